"""genba's desktop app for operators: the only package that imports Qt.

Modules: ``app`` (entry point), ``main_window`` (assembly: creates the parts,
connects their signals, lays them out), ``session`` (the conversation on screen
and the answer being written), the controllers ``conversation_controller``,
``answer_controller``, ``settings_controller`` and ``page_controller`` (each
built from the collaborators it uses), ``actions`` (menus and shortcuts),
``engine_worker`` (the engine on a worker thread), ``answer_flow`` (what is
committed when while an answer streams), ``button_row``, ``chat_view``,
``conversation_list``, ``input_box``, ``status_panel``, ``flow_layout``,
``lock_note`` (why a setting is locked, reachable by keyboard), ``dialog_fit``
(dialogs as wide as their titles), ``settings_dialog``, ``first_run`` and
``model_tasks`` (widgets and first-run fixes), ``welcome_page`` (an empty chat:
what genba is for, example questions), ``demo_notice`` (the demonstration
model's warning), ``history`` and ``export``
(SQLite history, no Qt), ``i18n``, ``i18n_build`` and ``schema_strings``
(translations), ``i18n_text`` (engine notices and errors kept as templates, shown
in the current language), ``i18n_values`` and ``model_label`` (setting values and
the model's label as people read them), ``theme`` (text size, contrast, fonts,
icon), ``token_store`` and ``update_status`` (adapters to the engine's credentials and the updater),
``screenshot`` (offscreen PNGs).
"""
