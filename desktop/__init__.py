"""genba's desktop app for operators: the only package that imports Qt.

Modules: ``app`` (entry point), ``main_window`` (the window), ``engine_worker``
(engine on a worker thread), ``chat_view``, ``conversation_list``,
``input_box``, ``status_panel``, ``settings_dialog``, ``first_run`` and
``model_tasks`` (widgets and first-run fixes), ``history`` and ``export``
(SQLite history, no Qt), ``i18n``/``i18n_build`` (translations), ``theme``
(text size, contrast, fonts), ``token_store`` and ``update_status`` (adapters
to the engine's credentials and the updater), ``screenshot`` (offscreen PNGs).
"""
