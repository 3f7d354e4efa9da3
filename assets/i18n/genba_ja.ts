<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja" sourcelanguage="en">
<context>
    <name>AnswerController</name>
    <message>
        <source>Editing a question: Send replaces it and the answers after it, which stay as its previous version (‹ ›). Esc cancels.</source>
        <translation>質問を編集中です。送信すると、この質問とその後の回答が置き換わります。元の内容は前のバージョン（‹ ›）として残ります。Esc で取り消します。</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>会話</translation>
    </message>
    <message>
        <source>Messages of the selected conversation</source>
        <translation>選択した会話のメッセージ</translation>
    </message>
    <message>
        <source>You</source>
        <translation>あなた</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>アシスタント</translation>
    </message>
    <message>
        <source>answering…</source>
        <translation>回答中…</translation>
    </message>
    <message>
        <source>interrupted — the app closed before this answer finished</source>
        <translation>中断 — 回答の途中でアプリが終了しました</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>停止しました</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失敗しました</translation>
    </message>
    <message>
        <source>cut short: the answer reached the length limit</source>
        <translation>途中で終了：回答が長さの上限に達しました</translation>
    </message>
    <message>
        <source>{n} experts</source>
        <translation>エキスパート {n} 個</translation>
    </message>
    <message>
        <source>local</source>
        <translation>ローカル</translation>
    </message>
    <message>
        <source>remote</source>
        <translation>リモート</translation>
    </message>
    <message>
        <source>{s:.2f} s to first token</source>
        <translation>最初のトークンまで {s:.2f} 秒</translation>
    </message>
    <message>
        <source>{v:.1f} tokens/s</source>
        <translation>{v:.1f} トークン/秒</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>コピーしました</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>コピー</translation>
    </message>
    <message>
        <source>Previous version</source>
        <translation>前のバージョン</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>次のバージョン</translation>
    </message>
    <message>
        <source>Edit and resend</source>
        <translation>編集して再送信</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>続きを生成</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>再生成</translation>
    </message>
    <message>
        <source>{n}/{total}</source>
        <translation>{n}/{total}</translation>
    </message>
</context>
<context>
    <name>ConversationController</name>
    <message>
        <source>Rename conversation</source>
        <translation>会話の名前を変更</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新しい名前:</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>会話を削除</translation>
    </message>
    <message>
        <source>Delete “{title}” and all its messages?</source>
        <translation>「{title}」とそのすべてのメッセージを削除しますか?</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>会話を書き出す</translation>
    </message>
    <message>
        <source>Markdown (*.md);;JSON (*.json)</source>
        <translation>Markdown (*.md);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not export: {error}</source>
        <translation>書き出せませんでした: {error}</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Search conversations</source>
        <translation>会話を検索</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>会話一覧</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新しいチャット(&amp;N)</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新しいチャット</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>新しい会話を始めます (Ctrl+N)</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>名前を変更</translation>
    </message>
    <message>
        <source>Rename conversation</source>
        <translation>会話の名前を変更</translation>
    </message>
    <message>
        <source>Rename the selected conversation (F2)</source>
        <translation>選択した会話の名前を変更します (F2)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>会話を削除</translation>
    </message>
    <message>
        <source>Delete the selected conversation</source>
        <translation>選択した会話を削除します</translation>
    </message>
</context>
<context>
    <name>DemoNotice</name>
    <message>
        <source>This is a demonstration model: its answers are often wrong. To get your site&apos;s model, ask IT, or import a model file you were given.</source>
        <translation>これはデモ用のモデルです。回答はよく間違っています。職場用のモデルは IT 担当に依頼するか、受け取ったモデルファイルを取り込んでください。</translation>
    </message>
    <message>
        <source>This is a demonstration model: its answers are often wrong. Ask IT to install your site&apos;s model.</source>
        <translation>これはデモ用のモデルです。回答はよく間違っています。職場用のモデルの導入を IT 担当に依頼してください。</translation>
    </message>
    <message>
        <source>Demonstration model</source>
        <translation>デモ用のモデル</translation>
    </message>
    <message>
        <source>&amp;Import model…</source>
        <translation>モデルを取り込む(&amp;I)…</translation>
    </message>
    <message>
        <source>Import your site&apos;s model file</source>
        <translation>職場用のモデルファイルを取り込む</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <source>The local model stopped unexpectedly ({why}). It starts again with the next question; if this keeps happening, ask IT to check the model with `genba doctor`.</source>
        <translation>このPCのモデルが予期せず停止しました（{why}）。次の質問で再起動します。繰り返し起こる場合は、IT担当者に `genba doctor` でモデルを確認するよう依頼してください。</translation>
    </message>
    <message>
        <source>genba cannot answer this now: {reason}.</source>
        <translation>genba は今この質問に回答できません: {reason}。</translation>
    </message>
    <message>
        <source>There is no question to answer. Type a question first.</source>
        <translation>回答する質問がありません。先に質問を入力してください。</translation>
    </message>
    <message>
        <source>The question is empty. Type a question first.</source>
        <translation>質問が空です。先に質問を入力してください。</translation>
    </message>
    <message>
        <source>The question contains bytes that are not valid UTF-8 text. Save or paste it as UTF-8 text and try again.</source>
        <translation>質問に UTF-8 のテキストとして読めない文字が含まれています。UTF-8 のテキストとして保存するか貼り付けて、もう一度試してください。</translation>
    </message>
    <message>
        <source>The conversation is {tokens} tokens long but the context holds {n_ctx}. Start a new conversation or shorten the question.</source>
        <translation>会話の長さが {tokens} トークンあり、モデルが扱える {n_ctx} トークンを超えています。新しい会話を始めるか、質問を短くしてください。</translation>
    </message>
    <message>
        <source>{file} fixes N={fixed} in every layer; llama.cpp cannot run it with {experts} experts.</source>
        <translation>{file} はすべての層でエキスパート数が N={fixed} に固定されています。llama.cpp ではエキスパート {experts} 個で動かせません。</translation>
    </message>
    <message>
        <source>No model is installed yet. Build the built-in default with `genba models build-default`, or import a GGUF file with `genba models import PATH`.</source>
        <translation>モデルがまだ入っていません。`genba models build-default` で内蔵の標準モデルを作るか、`genba models import PATH` で GGUF ファイルを取り込んでください。</translation>
    </message>
    <message>
        <source>No .gguf model file was found in {folder}. Choose the folder that holds the model file, or import the file itself.</source>
        <translation>{folder} に .gguf のモデルファイルが見つかりませんでした。モデルファイルが入っているフォルダーを選ぶか、ファイルそのものを取り込んでください。</translation>
    </message>
    <message>
        <source>Model file {path} does not exist. Check the path, or run `genba models list`.</source>
        <translation>モデルファイル {path} がありません。場所を確認するか、`genba models list` を実行してください。</translation>
    </message>
    <message>
        <source>Cannot read model file {path}: {error}. Check its permissions.</source>
        <translation>モデルファイル {path} を読めません: {error}。ファイルのアクセス権を確認してください。</translation>
    </message>
    <message>
        <source>Cannot read model file {path}: {error}. Copy it to a local disk.</source>
        <translation>モデルファイル {path} を読めません: {error}。ファイルをこのPCのディスクにコピーしてください。</translation>
    </message>
    <message>
        <source>{path} is a folder; give the path of a .gguf file inside it.</source>
        <translation>{path} はフォルダーです。中にある .gguf ファイルを指定してください。</translation>
    </message>
    <message>
        <source>{path} is not a regular file (a pipe, device or socket); give the path of a .gguf model file.</source>
        <translation>{path} は通常のファイルではありません（パイプ、デバイス、ソケットなど）。.gguf のモデルファイルを指定してください。</translation>
    </message>
    <message>
        <source>{path} is empty (0 bytes). Download or copy the model again.</source>
        <translation>{path} は空です（0 バイト）。モデルをもう一度ダウンロードするかコピーしてください。</translation>
    </message>
    <message>
        <source>{path} is incomplete: it ends inside its header. Download or copy the model again.</source>
        <translation>{path} は途中で切れています（ヘッダーの途中で終わっています）。モデルをもう一度ダウンロードするかコピーしてください。</translation>
    </message>
    <message>
        <source>{path} is not a GGUF model file (it does not start with &apos;GGUF&apos;). Use a .gguf file made for llama.cpp.</source>
        <translation>{path} は GGUF のモデルファイルではありません（先頭が「GGUF」ではありません）。llama.cpp 用の .gguf ファイルを使ってください。</translation>
    </message>
    <message>
        <source>{path} uses architecture &apos;{arch}&apos;, which this genba&apos;s llama.cpp does not know. Update genba or pick a model from `genba models list`.</source>
        <translation>{path} のアーキテクチャ「{arch}」は、この genba の llama.cpp では使えません。genba を更新するか、`genba models list` からモデルを選んでください。</translation>
    </message>
    <message>
        <source>{path} is a dense &apos;{arch}&apos; model with no experts, so genba cannot choose top-N experts. Use a Mixture-of-Experts GGUF (see `genba models list`).</source>
        <translation>{path} はエキスパートを持たない通常（dense）の「{arch}」モデルなので、genba は使うエキスパートを選べません。Mixture-of-Experts の GGUF を使ってください（`genba models list` を参照）。</translation>
    </message>
    <message>
        <source>Importing a model is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>モデルの取り込みは、このPCのポリシーで禁止されています（model.allow_user_models = false）。このPCでは、IT担当者が設定または導入したモデルだけを使います。モデルの導入はIT担当者に依頼してください。</translation>
    </message>
    <message>
        <source>Importing a model is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>モデルの取り込みは、このPCのポリシーで禁止されています（model.allow_user_models = false。ポリシーファイルに誤りがあるため、安全のため禁止しています）。このPCでは、IT担当者が設定または導入したモデルだけを使います。モデルの導入はIT担当者に依頼してください。</translation>
    </message>
    <message>
        <source>Downloading a model is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>モデルのダウンロードは、このPCのポリシーで禁止されています（model.allow_user_models = false）。このPCでは、IT担当者が設定または導入したモデルだけを使います。モデルの導入はIT担当者に依頼してください。</translation>
    </message>
    <message>
        <source>Downloading a model is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>モデルのダウンロードは、このPCのポリシーで禁止されています（model.allow_user_models = false。ポリシーファイルに誤りがあるため、安全のため禁止しています）。このPCでは、IT担当者が設定または導入したモデルだけを使います。モデルの導入はIT担当者に依頼してください。</translation>
    </message>
    <message>
        <source>Using the model file {file} is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>モデルファイル {file} の使用は、このPCのポリシーで禁止されています（model.allow_user_models = false）。このPCでは、IT担当者が設定または導入したモデルだけを使います。モデルの導入はIT担当者に依頼してください。</translation>
    </message>
    <message>
        <source>Using the model file {file} is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>モデルファイル {file} の使用は、このPCのポリシーで禁止されています（model.allow_user_models = false。ポリシーファイルに誤りがあるため、安全のため禁止しています）。このPCでは、IT担当者が設定または導入したモデルだけを使います。モデルの導入はIT担当者に依頼してください。</translation>
    </message>
    <message>
        <source>llama.cpp could not load {path} with {experts} experts ({error}). Check the file with `genba inspect`, or free some memory and try again.</source>
        <translation>llama.cpp で {path} をエキスパート {experts} 個で読み込めませんでした（{error}）。`genba inspect` でファイルを確認するか、メモリを空けてもう一度試してください。</translation>
    </message>
    <message>
        <source>GENBA_LLAMA_CPU names the CPU backend {forced!r}, which is not installed (installed: {installed}). Unset it or pick one of these.</source>
        <translation>GENBA_LLAMA_CPU で指定された CPU バックエンド {forced!r} はインストールされていません（インストール済み: {installed}）。GENBA_LLAMA_CPU を外すか、この中から選んでください。</translation>
    </message>
    <message>
        <source>llama.cpp cannot run on this PC&apos;s processor ({detail}). Ask IT to check the installation; answers can still come from the remote server.</source>
        <translation>このPCのプロセッサーでは llama.cpp を動かせません（{detail}）。インストールの確認をIT担当者に依頼してください。リモートサーバーからの回答は引き続き使えます。</translation>
    </message>
    <message>
        <source>llama.cpp&apos;s ggml library is not loaded ({error}). Reinstall genba.</source>
        <translation>llama.cpp の ggml ライブラリが読み込まれていません（{error}）。genba を入れ直してください。</translation>
    </message>
    <message>
        <source>llama.cpp has no CPU backend installed. Reinstall genba (`make setup`).</source>
        <translation>llama.cpp の CPU バックエンドがインストールされていません。genba を入れ直してください（`make setup`）。</translation>
    </message>
    <message>
        <source>llama.cpp could not load its CPU backend {file}. Reinstall genba.</source>
        <translation>llama.cpp の CPU バックエンド {file} を読み込めませんでした。genba を入れ直してください。</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>No model is ready yet</source>
        <translation>まだモデルが準備されていません</translation>
    </message>
    <message>
        <source>What is missing</source>
        <translation>不足しているもの</translation>
    </message>
    <message>
        <source>genba needs a Mixture-of-Experts model file (GGUF) to answer. Import a model file you were given, or build the built-in default model on this PC (this takes a few minutes and needs no internet if the model package is installed).</source>
        <translation>genba が回答するには Mixture-of-Experts のモデルファイル (GGUF) が必要です。配布されたモデルファイルを取り込むか、この PC で標準モデルを作成してください (数分かかります。モデルパッケージがインストール済みならインターネットは不要です)。</translation>
    </message>
    <message>
        <source>The model cannot run on this PC</source>
        <translation>このPCではモデルを動かせません</translation>
    </message>
    <message>
        <source>genba checked that the model&apos;s program works on this PC&apos;s processor, and it did not. Nothing is lost. Please tell IT and show them this message; they can check the PC with &quot;genba doctor&quot; or set up a server that answers instead.</source>
        <translation>genba はこのPCのプロセッサーでモデルのプログラムが動くか確認しましたが、動きませんでした。データは失われていません。このメッセージをIT担当者に見せてください。IT担当者は「genba doctor」でPCを確認するか、代わりに回答するサーバーを設定できます。</translation>
    </message>
    <message>
        <source>How to fix it</source>
        <translation>解決方法</translation>
    </message>
    <message>
        <source>Import model &amp;file…</source>
        <translation>モデルファイルを取り込む(&amp;F)…</translation>
    </message>
    <message>
        <source>Import model file</source>
        <translation>モデルファイルを取り込む</translation>
    </message>
    <message>
        <source>Import from f&amp;older…</source>
        <translation>フォルダーから取り込む(&amp;O)…</translation>
    </message>
    <message>
        <source>Import model from folder</source>
        <translation>フォルダーからモデルを取り込む</translation>
    </message>
    <message>
        <source>&amp;Build default model</source>
        <translation>標準モデルを作成(&amp;B)</translation>
    </message>
    <message>
        <source>Build default model</source>
        <translation>標準モデルを作成</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>進行状況</translation>
    </message>
</context>
<context>
    <name>InputBox</name>
    <message>
        <source>Type a question. Enter sends, Shift+Enter starts a new line.</source>
        <translation>質問を入力してください。Enter で送信、Shift+Enter で改行します。</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>メッセージ</translation>
    </message>
</context>
<context>
    <name>LockNote</name>
    <message>
        <source>Locked</source>
        <translation>ロック中</translation>
    </message>
    <message>
        <source>{setting}: locked</source>
        <translation>{setting}: ロック中</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>genba — shop-floor assistant</source>
        <translation>genba — 現場アシスタント</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>コピーしました</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>送信</translation>
    </message>
    <message>
        <source>Send the message (Enter)</source>
        <translation>メッセージを送信します (Enter)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation>回答を停止します (Esc)</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>再生成</translation>
    </message>
    <message>
        <source>Answer the last question again (Ctrl+R)</source>
        <translation>最後の質問にもう一度回答します (Ctrl+R)</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>コピー</translation>
    </message>
    <message>
        <source>Copy answer</source>
        <translation>回答をコピー</translation>
    </message>
    <message>
        <source>Copy the last answer (Ctrl+Shift+C)</source>
        <translation>最後の回答をコピーします (Ctrl+Shift+C)</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>モデルを読み込んでいます…</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>お知らせ</translation>
    </message>
    <message>
        <source>Answers may be wrong — check them against your work instructions.</source>
        <translation>回答は間違っていることがあります — 作業手順書と照らし合わせて確認してください。</translation>
    </message>
    <message>
        <source>The history could not be opened, so the conversations of this session are not saved.</source>
        <translation>履歴を開けなかったため、今回の会話は保存されません。</translation>
    </message>
    <message>
        <source>The history was damaged, so a new one was started; the old history was kept at {path}.</source>
        <translation>履歴が壊れていたため、新しい履歴を開始しました。以前の履歴は {path} に保管してあります。</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>キーボードショートカット</translation>
    </message>
    <message>
        <source>About genba</source>
        <translation>genba について</translation>
    </message>
    <message>
        <source>genba — an offline-first assistant running a sparse Mixture-of-Experts model.</source>
        <translation>genba — 疎な Mixture-of-Experts モデルで動く、オフライン優先のアシスタントです。</translation>
    </message>
</context>
<context>
    <name>ModelLabel</name>
    <message>
        <source>{name} ({n} experts, converted to Mixture-of-Experts)</source>
        <translation>{name}（エキスパート {n} 個、Mixture-of-Experts に変換済み）</translation>
    </message>
</context>
<context>
    <name>ModelTasks</name>
    <message>
        <source>Import model file</source>
        <translation>モデルファイルを取り込む</translation>
    </message>
    <message>
        <source>GGUF model (*.gguf)</source>
        <translation>GGUF モデル (*.gguf)</translation>
    </message>
    <message>
        <source>Import model from folder</source>
        <translation>フォルダーからモデルを取り込む</translation>
    </message>
    <message>
        <source>Importing {name}…</source>
        <translation>{name} を取り込んでいます…</translation>
    </message>
    <message>
        <source>Building the default model…</source>
        <translation>標準モデルを作成しています…</translation>
    </message>
</context>
<context>
    <name>NoticeText</name>
    <message>
        <source>Loaded the model with {experts} experts in {seconds:.2f} s.</source>
        <translation>エキスパート {experts} 個でモデルを読み込みました（{seconds:.2f} 秒）。</translation>
    </message>
    <message>
        <source>The conversation is too long for this PC: the {dropped} oldest messages were left out of this answer.</source>
        <translation>会話が長すぎてこのPCでは扱えないため、古いメッセージ {dropped} 件を除いて回答します。</translation>
    </message>
    <message>
        <source>The model on this PC failed: {error}</source>
        <translation>このPCのモデルでエラーが起きました: {error}</translation>
    </message>
    <message>
        <source>The model on this PC failed too: {error}</source>
        <translation>このPCのモデルでもエラーが起きました: {error}</translation>
    </message>
    <message>
        <source>The model on this PC stopped unexpectedly ({why}); the server answers instead.</source>
        <translation>このPCのモデルが予期せず停止しました（{why}）。代わりにサーバーが回答します。</translation>
    </message>
    <message>
        <source>The model on this PC stopped unexpectedly ({why}). It starts again with the next question; if this keeps happening, ask IT to check this PC with `genba doctor`.</source>
        <translation>このPCのモデルが予期せず停止しました（{why}）。次の質問で再起動します。繰り返し起こる場合は、IT担当者に `genba doctor` でこのPCを確認するよう依頼してください。</translation>
    </message>
    <message>
        <source>{error}</source>
        <translation>リモートサーバーでエラーが起きました: {error}</translation>
    </message>
    <message>
        <source>{error} The {chars} characters that arrived are kept.</source>
        <translation>リモートサーバーでエラーが起きました: {error} 受信済みの {chars} 文字はそのまま残します。</translation>
    </message>
    <message>
        <source>{error} No local answer is possible now.</source>
        <translation>リモートサーバーでエラーが起きました: {error} 今はこのPCでも回答できません。</translation>
    </message>
    <message>
        <source>{error} The {chars} characters that arrived are kept. No local answer is possible now.</source>
        <translation>リモートサーバーでエラーが起きました: {error} 受信済みの {chars} 文字はそのまま残します。今はこのPCでも回答できません。</translation>
    </message>
    <message>
        <source>Answering on this PC instead.</source>
        <translation>代わりにこのPCで回答します。</translation>
    </message>
    <message>
        <source>genba cannot answer this now: {reason}.</source>
        <translation>genba は今この質問に回答できません: {reason}。</translation>
    </message>
</context>
<context>
    <name>PilotReport</name>
    <message>
        <source>The report program could not be started ({program}).</source>
        <translation>レポートを作成するプログラムを起動できませんでした（{program}）。</translation>
    </message>
    <message>
        <source>exit code {code}</source>
        <translation>終了コード {code}</translation>
    </message>
    <message>
        <source>The pilot report could not be built: {detail}</source>
        <translation>パイロットレポートを作成できませんでした: {detail}</translation>
    </message>
</context>
<context>
    <name>PlainCause</name>
    <message>
        <source>the question is too long for this PC</source>
        <translation>質問がこの PC には長すぎる</translation>
    </message>
    <message>
        <source>this PC is short of memory</source>
        <translation>この PC のメモリが不足</translation>
    </message>
    <message>
        <source>the model on this PC cannot be used</source>
        <translation>この PC のモデルが使えない</translation>
    </message>
    <message>
        <source>the model on this PC failed</source>
        <translation>この PC のモデルが失敗した</translation>
    </message>
    <message>
        <source>this PC is running on battery</source>
        <translation>この PC がバッテリーで動作中</translation>
    </message>
    <message>
        <source>this PC is answering too slowly</source>
        <translation>この PC の回答が遅すぎる</translation>
    </message>
</context>
<context>
    <name>ReasonText</name>
    <message>
        <source>N={n} by fast mode</source>
        <translation>高速モードで N={n}</translation>
    </message>
    <message>
        <source>N={n} by balanced mode</source>
        <translation>標準モードで N={n}</translation>
    </message>
    <message>
        <source>N={n} by thorough mode</source>
        <translation>精密モードで N={n}</translation>
    </message>
    <message>
        <source> (experts are set by policy)</source>
        <translation>（エキスパート数はポリシーで固定）</translation>
    </message>
    <message>
        <source>N={n} requested</source>
        <translation>N={n} を指定</translation>
    </message>
    <message>
        <source>, outside policy {lo}..{hi} → N={n}</source>
        <translation>、ポリシーの範囲 {lo}..{hi} の外 → N={n}</translation>
    </message>
    <message>
        <source>, but this model file fixes N={n} in every layer → N={n}</source>
        <translation>。ただしこのモデルファイルは全層で N={n} に固定されています → N={n}</translation>
    </message>
    <message>
        <source>, but llama.cpp crashes above N={n} with this model on this PC → N={n}</source>
        <translation>。ただしこのPCではこのモデルはN={n}を超えると停止するため → N={n}</translation>
    </message>
    <message>
        <source> (useful minimum N={n}, set by the model file)</source>
        <translation>(有効な最小 N={n}、モデルファイルの指定)</translation>
    </message>
    <message>
        <source> (useful minimum N={n}, by the default rule for a top-{k} model)</source>
        <translation>(有効な最小 N={n}、top-{k} モデルの既定ルールによる)</translation>
    </message>
    <message>
        <source> (policy minimum N={n}, above the model&apos;s useful minimum {useful})</source>
        <translation>(ポリシーの最小 N={n}、モデルの有効な最小 {useful} より上)</translation>
    </message>
    <message>
        <source> (the model&apos;s useful minimum N={useful} is above the policy maximum N={n})</source>
        <translation>(モデルの有効な最小 N={useful} がポリシーの最大 N={n} を超えています)</translation>
    </message>
    <message>
        <source>, below the model&apos;s useful minimum → N={n}</source>
        <translation>。モデルの有効な最小を下回るため → N={n}</translation>
    </message>
    <message>
        <source>, below the model&apos;s useful minimum N={floor} (policy allows it)</source>
        <translation>。モデルの有効な最小 N={floor} を下回ります (ポリシーで許可)</translation>
    </message>
    <message>
        <source>, not below the model&apos;s useful minimum N={floor} (experts.allow_below_useful is off)</source>
        <translation>。モデルの有効な最小 N={floor} は下回りません (experts.allow_below_useful がオフ)</translation>
    </message>
    <message>
        <source>resources fine → local</source>
        <translation>リソース十分 → ローカル</translation>
    </message>
    <message>
        <source>prompt {prompt} + answer {answer} tokens &gt; local context {context}</source>
        <translation>質問 {prompt} + 回答 {answer} トークン &gt; ローカルのコンテキスト上限 {context}</translation>
    </message>
    <message>
        <source>, even without old turns</source>
        <translation>（古いやり取りを省いても超過）</translation>
    </message>
    <message>
        <source>low memory: {usable} usable → context {context} tokens</source>
        <translation>メモリ不足: 使用可能 {usable} → コンテキスト {context} トークン</translation>
    </message>
    <message>
        <source>low memory: {free} free, model needs {need}</source>
        <translation>メモリ不足: 空き {free}、モデルに必要 {need}</translation>
    </message>
    <message>
        <source> + {reserved} reserved</source>
        <translation> + 予約分 {reserved}</translation>
    </message>
    <message>
        <source>on battery, policy prefers remote</source>
        <translation>バッテリー駆動中、ポリシーによりリモート優先</translation>
    </message>
    <message>
        <source>on battery</source>
        <translation>バッテリー駆動中</translation>
    </message>
    <message>
        <source>on battery, </source>
        <translation>バッテリー駆動中、</translation>
    </message>
    <message>
        <source>slow: {speed:.1f} tokens/s &lt; {floor:g} tokens/s</source>
        <translation>低速: {speed:.1f} トークン/秒 &lt; {floor:g} トークン/秒</translation>
    </message>
    <message>
        <source> at the minimum N={n}</source>
        <translation>（すでに最小の N={n}）</translation>
    </message>
    <message>
        <source> → N={n}</source>
        <translation> → N={n} に削減</translation>
    </message>
    <message>
        <source> → answer limited to {n} tokens</source>
        <translation> → 回答を {n} トークンに制限</translation>
    </message>
    <message>
        <source> → old turns trimmed</source>
        <translation> → 古いやり取りを省略</translation>
    </message>
    <message>
        <source> → local anyway</source>
        <translation> → それでもローカルで実行</translation>
    </message>
    <message>
        <source> → remote</source>
        <translation> → リモート</translation>
    </message>
    <message>
        <source> → refused</source>
        <translation> → 回答できません</translation>
    </message>
    <message>
        <source>local model unavailable: </source>
        <translation>ローカルモデルを使えません: </translation>
    </message>
    <message>
        <source>{file} is missing</source>
        <translation>{file} が見つかりません</translation>
    </message>
    <message>
        <source>{file} is marked broken on this PC</source>
        <translation>{file} はこのPCでは故障中として記録されています</translation>
    </message>
    <message>
        <source>the local model stopped unexpectedly → remote (</source>
        <translation>このPCのモデルが予期せず停止 → サーバー (</translation>
    </message>
    <message>
        <source>policy keeps questions local when the local model fails</source>
        <translation>ポリシーにより、ローカルモデルの障害時もリモートへ送らない</translation>
    </message>
    <message>
        <source>remote fallback is off</source>
        <translation>リモートへの切り替えはオフ</translation>
    </message>
    <message>
        <source>no remote server is set (fallback.url)</source>
        <translation>リモートサーバーが未設定 (fallback.url)</translation>
    </message>
    <message>
        <source>offline mode is on (network.offline)</source>
        <translation>オフラインモード中 (network.offline)</translation>
    </message>
    <message>
        <source>offline mode is on (GENBA_OFFLINE)</source>
        <translation>オフラインモード中 (GENBA_OFFLINE)</translation>
    </message>
    <message>
        <source>local model failed → remote (</source>
        <translation>ローカルモデルの障害 → リモート（</translation>
    </message>
    <message>
        <source>)</source>
        <translation>）</translation>
    </message>
    <message>
        <source>remote failed → </source>
        <translation>リモート失敗 → </translation>
    </message>
    <message>
        <source>local failed</source>
        <translation>ローカルで失敗</translation>
    </message>
    <message>
        <source>remote failed</source>
        <translation>リモートで失敗</translation>
    </message>
    <message>
        <source>nothing about this was found in the site documents, and policy allows answers only from them (docs.answers = require)</source>
        <translation>現場の文書にこの内容が見つからず、ポリシーにより文書にもとづく回答だけが許可されています（`docs.answers = "require"`）</translation>
    </message>
    <message>
        <source>no site documents are indexed on this PC, and policy allows answers only from them (docs.answers = require)</source>
        <translation>この PC には索引済みの現場文書がなく、ポリシーにより文書にもとづく回答だけが許可されています（`docs.answers = "require"`）</translation>
    </message>
    <message>
        <source>; </source>
        <translation> ／ </translation>
    </message>
</context>
<context>
    <name>SettingValue</name>
    <message>
        <source>on</source>
        <translation>オン</translation>
    </message>
    <message>
        <source>off</source>
        <translation>オフ</translation>
    </message>
</context>
<context>
    <name>SettingsController</name>
    <message>
        <source>Offline mode is on</source>
        <translation>オフラインモードです</translation>
    </message>
    <message>
        <source>No remote server is configured</source>
        <translation>リモートサーバーは設定されていません</translation>
    </message>
    <message>
        <source>Set by your administrator</source>
        <translation>管理者によって設定されています</translation>
    </message>
    <message>
        <source>Your administrator has fixed the answer mode</source>
        <translation>回答モードは管理者によって固定されています</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>General</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Remote server</source>
        <translation>リモートサーバー</translation>
    </message>
    <message>
        <source>History</source>
        <translation>履歴</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>詳細</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>ポリシー</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>アクセストークン</translation>
    </message>
    <message>
        <source>A token is stored (type to replace it)</source>
        <translation>トークンは保存済みです (入力すると置き換えます)</translation>
    </message>
    <message>
        <source>No token</source>
        <translation>トークンなし</translation>
    </message>
    <message>
        <source>The token is kept in the system keyring, never in a file. Leave empty to keep the stored one.</source>
        <translation>トークンはシステムのキーリングに保存され、ファイルには書き込まれません。空欄のままにすると保存済みのトークンを使い続けます。</translation>
    </message>
    <message>
        <source>No safe system keyring is available, so a token cannot be stored.</source>
        <translation>安全なシステムキーリングがないため、トークンを保存できません。</translation>
    </message>
    <message>
        <source>Set by your administrator</source>
        <translation>管理者によって設定されています</translation>
    </message>
    <message>
        <source>Only your administrator can set this</source>
        <translation>この項目は管理者だけが設定できます</translation>
    </message>
    <message>
        <source>Your administrator has fixed the answer mode</source>
        <translation>回答モードは管理者によって固定されています</translation>
    </message>
    <message>
        <source>Your administrator allows only the models IT installs</source>
        <translation>管理者の設定により、IT担当者が導入したモデルのみ使用できます</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>既定値</translation>
    </message>
    <message>
        <source>Your settings</source>
        <translation>ユーザー設定</translation>
    </message>
    <message>
        <source>Policy: {file}</source>
        <translation>ポリシー: {file}</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>設定項目</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>値</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>設定元</translation>
    </message>
    <message>
        <source>Effective settings</source>
        <translation>有効な設定</translation>
    </message>
    <message>
        <source>Problems in policy and settings files:</source>
        <translation>ポリシーと設定ファイルの問題:</translation>
    </message>
    <message>
        <source>No problems found in policy and settings files.</source>
        <translation>ポリシーと設定ファイルに問題はありません。</translation>
    </message>
    <message>
        <source>Problems in policy and settings files</source>
        <translation>ポリシーと設定ファイルの問題</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Because a policy file has errors, security settings use their safest values.</source>
        <translation>ポリシーファイルにエラーがあるため、セキュリティ関連の設定は最も安全な値になっています。</translation>
    </message>
</context>
<context>
    <name>SettingsSchema</name>
    <message>
        <source>Model file</source>
        <translation>モデルファイル</translation>
    </message>
    <message>
        <source>Model file (GGUF) to answer with. Empty: the model named by the current-model pointer in the model store (kept up to date by the updater).</source>
        <translation>回答に使うモデルファイル (GGUF)。空欄: モデルストアの現在のモデル (アップデーターが最新に保ちます)。</translation>
    </message>
    <message>
        <source>Allow own models</source>
        <translation>独自モデルを許可</translation>
    </message>
    <message>
        <source>Operators may add and select their own model files. Off: only the model set by policy or installed by the updater is used.</source>
        <translation>オペレーターが独自のモデルファイルを追加・選択できます。オフ: ポリシーで指定されたモデルかアップデーターが入れたモデルだけを使います。</translation>
    </message>
    <message>
        <source>Answer mode</source>
        <translation>回答モード</translation>
    </message>
    <message>
        <source>fast</source>
        <translation>高速</translation>
    </message>
    <message>
        <source>balanced</source>
        <translation>標準</translation>
    </message>
    <message>
        <source>thorough</source>
        <translation>精密</translation>
    </message>
    <message>
        <source>Default experts</source>
        <translation>既定のエキスパート数</translation>
    </message>
    <message>
        <source>Preset the operator picks: fast (fewest experts that still answer well), balanced, or thorough (most experts), always inside the model&apos;s useful range and experts.min..experts.max.</source>
        <translation>オペレーターが選ぶプリセット: 高速 (十分な回答ができる最少のエキスパート)、標準、精密 (エキスパート最多)。常にモデルの有効範囲と experts.min..experts.max の範囲内です。</translation>
    </message>
    <message>
        <source>Model store</source>
        <translation>モデルストア</translation>
    </message>
    <message>
        <source>Where the current model comes from: user (each operator&apos;s own model store) or machine (the machine-wide store that the update service keeps up to date; operators can only read it).</source>
        <translation>現在のモデルの取得元: 「ユーザーごと」(オペレーターごとのモデルストア) または「PC 共通」(更新サービスが最新に保つ、この PC 共通のモデルストア。オペレーターは読み取りのみ)。</translation>
    </message>
    <message>
        <source>user</source>
        <translation>ユーザーごと</translation>
    </message>
    <message>
        <source>machine</source>
        <translation>PC 共通</translation>
    </message>
    <message>
        <source>Active experts per token when nothing else decides. 0: the model&apos;s own default (the N its file recommends, else its expert_used_count).</source>
        <translation>ほかに決める要因がないときの、トークンあたりの有効エキスパート数。0: モデル自身の既定値 (ファイルが推奨する N、なければ expert_used_count)。</translation>
    </message>
    <message>
        <source>Minimum experts</source>
        <translation>最小エキスパート数</translation>
    </message>
    <message>
        <source>Fewest active experts genba may use, even on a slow or busy PC.</source>
        <translation>遅い PC や混んでいる PC でも genba が使う最小の有効エキスパート数。</translation>
    </message>
    <message>
        <source>Maximum experts</source>
        <translation>最大エキスパート数</translation>
    </message>
    <message>
        <source>Most active experts genba may use. 0: all the experts the model has.</source>
        <translation>genba が使う最大の有効エキスパート数。0: モデルの全エキスパート。</translation>
    </message>
    <message>
        <source>Allow fewer than useful experts</source>
        <translation>有効な最小未満のエキスパートを許可</translation>
    </message>
    <message>
        <source>A slow PC or battery power may lower the number of experts below the model&apos;s useful minimum (its file&apos;s, else max(2, half its trained top-k)). Off: genba keeps the useful minimum and goes remote, or says why, instead.</source>
        <translation>PC が遅いときやバッテリー駆動時に、エキスパート数をモデルの有効な最小 (ファイルの指定、なければ学習時に使うエキスパート数の半分、最低 2) より下げてもよい。オフ: genba は有効な最小を保ち、代わりにリモートを使うか理由を表示します。</translation>
    </message>
    <message>
        <source>Operator chooses experts</source>
        <translation>オペレーターがエキスパート数を選択</translation>
    </message>
    <message>
        <source>Operators may choose the answer mode (number of experts) themselves.</source>
        <translation>オペレーターが回答モード (エキスパート数) を自分で選べます。</translation>
    </message>
    <message>
        <source>Adaptive experts</source>
        <translation>エキスパート数の自動調整</translation>
    </message>
    <message>
        <source>Choose the number of experts per question from free memory, speed and battery.</source>
        <translation>空きメモリ、速度、バッテリーから質問ごとにエキスパート数を決めます。</translation>
    </message>
    <message>
        <source>Expert statistics sample</source>
        <translation>エキスパート統計の抽出率</translation>
    </message>
    <message>
        <source>Share of local answers (0 to 1) whose expert routing is counted for the expert-load statistics (genba experts stats). Only counts per expert are kept, never text. A counted answer decodes about a quarter slower. 0: nothing is collected.</source>
        <translation>エキスパート負荷統計（`genba experts stats`）のために、エキスパートの選ばれ方を数えるローカル回答の割合（0〜1）。残すのはエキスパートごとの回数だけで、文章は残しません。数えられる回答は生成が約4分の1遅くなります。0: 収集しません。</translation>
    </message>
    <message>
        <source>Expert imbalance alert</source>
        <translation>エキスパート偏りの警告</translation>
    </message>
    <message>
        <source>Warn when the expert load of a layer is this unequal: the Gini coefficient of its routing counts, scaled so that 0 is an even load and 1 is the same experts for every token. The warning goes to the log, genba doctor and the statistics export. 0: never warn.</source>
        <translation>ある層のエキスパート負荷がこの値より偏ったら警告します。値は選ばれた回数のジニ係数を、0 が均等、1 がすべてのトークンで同じエキスパートになるよう換算したものです。警告はログ、`genba doctor`、統計のエクスポートに出ます。0: 警告しません。</translation>
    </message>
    <message>
        <source>Reserved memory</source>
        <translation>予約メモリ</translation>
    </message>
    <message>
        <source>Memory kept free for other programs; genba never plans to use it.</source>
        <translation>ほかのプログラムのために空けておくメモリ。genba はこの分を使いません。</translation>
    </message>
    <message>
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <source>Maximum context</source>
        <translation>最大コンテキスト</translation>
    </message>
    <message>
        <source>Largest context (prompt + answer) genba runs locally. 0: as large as the model and free memory allow.</source>
        <translation>genba がローカルで扱う最大のコンテキスト (質問 + 回答)。0: モデルと空きメモリが許す限り。</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>トークン</translation>
    </message>
    <message>
        <source>Minimum speed</source>
        <translation>最低速度</translation>
    </message>
    <message>
        <source>Below this decoding speed genba uses fewer experts, then the remote server if allowed. 0: never react to speed.</source>
        <translation>生成速度がこれを下回ると、エキスパート数を減らし、許可されていればリモートサーバーを使います。0: 速度では判断しません。</translation>
    </message>
    <message>
        <source>tokens/s</source>
        <translation>トークン/秒</translation>
    </message>
    <message>
        <source>On battery</source>
        <translation>バッテリー駆動時</translation>
    </message>
    <message>
        <source>On battery power: keep working as usual, use fewer experts, or prefer the remote server (when fallback is enabled).</source>
        <translation>バッテリー駆動時の動作: そのまま、エキスパート数を減らす、またはリモートサーバーを優先 (フォールバックが有効な場合)。</translation>
    </message>
    <message>
        <source>keep</source>
        <translation>そのまま</translation>
    </message>
    <message>
        <source>fewer_experts</source>
        <translation>エキスパート数を減らす</translation>
    </message>
    <message>
        <source>remote</source>
        <translation>リモートサーバーを優先</translation>
    </message>
    <message>
        <source>Remote fallback</source>
        <translation>リモートへのフォールバック</translation>
    </message>
    <message>
        <source>Questions may go to the remote server when the PC cannot answer them well (low memory, too slow, context too long).</source>
        <translation>PC でうまく回答できないとき (メモリ不足、遅すぎる、コンテキストが長すぎる) に質問をリモートサーバーへ送れます。</translation>
    </message>
    <message>
        <source>Remote server URL</source>
        <translation>リモートサーバーの URL</translation>
    </message>
    <message>
        <source>Base URL of an OpenAI-compatible server (llama.cpp server, vLLM, Ollama), e.g. https://llm.example.com/v1. Empty: no remote server. Never put a password here; the token lives in the OS keyring.</source>
        <translation>OpenAI 互換サーバー (llama.cpp server、vLLM、Ollama) のベース URL。例: https://llm.example.com/v1。空欄: リモートサーバーなし。ここにパスワードを書かないでください。トークンは OS のキーリングに保存されます。</translation>
    </message>
    <message>
        <source>Remote model</source>
        <translation>リモートのモデル</translation>
    </message>
    <message>
        <source>Model name sent to the remote server. Empty: the server&apos;s default model.</source>
        <translation>リモートサーバーに送るモデル名。空欄: サーバーの既定モデル。</translation>
    </message>
    <message>
        <source>Remote CA bundle</source>
        <translation>リモートの CA 証明書</translation>
    </message>
    <message>
        <source>Extra CA certificates (PEM) trusted for the remote server, in addition to the system trust store. Empty: the system trust store only.</source>
        <translation>システムの証明書ストアに加えて、リモートサーバー用に信頼する CA 証明書 (PEM)。空欄: システムの証明書ストアのみ。</translation>
    </message>
    <message>
        <source>Remote timeout</source>
        <translation>リモートのタイムアウト</translation>
    </message>
    <message>
        <source>Longest wait for the remote server to answer before genba answers locally.</source>
        <translation>ローカルで回答する前に、リモートサーバーの回答を待つ最長時間。</translation>
    </message>
    <message>
        <source>s</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>Remote when local fails</source>
        <translation>ローカル失敗時はリモート</translation>
    </message>
    <message>
        <source>When the local model fails (cannot load, out of memory, crashed), retry the question on the remote server. Needs fallback.enabled.</source>
        <translation>ローカルモデルが失敗したとき (読み込めない、メモリ不足、異常終了) に、リモートサーバーで質問をやり直します。fallback.enabled が必要です。</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>プロキシ</translation>
    </message>
    <message>
        <source>Proxy for every connection genba makes, e.g. http://proxy.example.com:8080. Empty: the system&apos;s proxy environment variables, if any.</source>
        <translation>genba のすべての接続に使うプロキシ。例: http://proxy.example.com:8080。空欄: システムのプロキシ環境変数 (あれば)。</translation>
    </message>
    <message>
        <source>Force offline</source>
        <translation>常にオフライン</translation>
    </message>
    <message>
        <source>Never use the network: no remote fallback, no update checks.</source>
        <translation>ネットワークを一切使いません: リモートへのフォールバックも更新確認もしません。</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Check for and download signed model updates in the background.</source>
        <translation>署名付きのモデル更新をバックグラウンドで確認・ダウンロードします。</translation>
    </message>
    <message>
        <source>Update repository</source>
        <translation>更新の配布元</translation>
    </message>
    <message>
        <source>Where signed updates come from (a static HTTPS host or a Hugging Face repo). Every file is verified against the trusted root before use.</source>
        <translation>署名付き更新の取得先 (静的な HTTPS ホストまたは Hugging Face リポジトリ)。すべてのファイルは使用前に信頼されたルートで検証されます。</translation>
    </message>
    <message>
        <source>Trusted root</source>
        <translation>信頼されたルート</translation>
    </message>
    <message>
        <source>TUF root metadata (root.json) that update signatures must chain to. Empty: the root built into genba.</source>
        <translation>更新の署名がたどる TUF ルートメタデータ (root.json)。空欄: genba に組み込まれたルート。</translation>
    </message>
    <message>
        <source>Check interval</source>
        <translation>確認間隔</translation>
    </message>
    <message>
        <source>Hours between update checks.</source>
        <translation>更新を確認する間隔 (時間)。</translation>
    </message>
    <message>
        <source>h</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>Update window</source>
        <translation>更新の時間帯</translation>
    </message>
    <message>
        <source>Local time window for downloading and applying updates, e.g. &quot;22:00-05:00&quot; (may cross midnight). Empty: any time.</source>
        <translation>更新をダウンロード・適用する時間帯 (現地時刻)。例: &quot;22:00-05:00&quot; (日付をまたいでも可)。空欄: いつでも。</translation>
    </message>
    <message>
        <source>Apply automatically</source>
        <translation>自動的に適用</translation>
    </message>
    <message>
        <source>Switch to a verified update at the next idle moment without asking. Off: the operator or `genba update apply` switches.</source>
        <translation>検証済みの更新を、次に手が空いたときに確認なしで適用します。オフ: オペレーターまたは `genba update apply` で切り替えます。</translation>
    </message>
    <message>
        <source>Operator may apply updates</source>
        <translation>作業者による更新の適用</translation>
    </message>
    <message>
        <source>When updates are not applied automatically, the operator may switch to a verified update from the window (the &quot;Apply now&quot; button). Off: only IT or the update service switches.</source>
        <translation>更新が自動で適用されない場合、作業者が画面から検証済みの更新に切り替えられます（「今すぐ適用」ボタン）。オフ：切り替えは IT 担当者または更新サービスだけが行います。</translation>
    </message>
    <message>
        <source>Offline bundles</source>
        <translation>オフラインバンドル</translation>
    </message>
    <message>
        <source>Updates may be imported from an offline bundle (USB). Bundles are verified like downloads.</source>
        <translation>オフラインバンドル (USB) から更新を取り込めます。バンドルもダウンロードと同様に検証されます。</translation>
    </message>
    <message>
        <source>Site pack</source>
        <translation>サイトパック</translation>
    </message>
    <message>
        <source>The site pack this PC follows: a smaller copy of the model that keeps only the experts this site uses, published by IT under this name. Empty: the full model.</source>
        <translation>この PC が使うサイトパック（この現場で使うエキスパートだけを残した小さなモデル。管理者がこの名前で公開）。空欄: 完全なモデル。</translation>
    </message>
    <message>
        <source>If the site pack is missing</source>
        <translation>サイトパックがないとき</translation>
    </message>
    <message>
        <source>When the site pack is not published on the update server: full (update the full model instead) or none (keep the current model).</source>
        <translation>サイトパックが更新サーバーに公開されていないとき: 完全なモデル（代わりに完全なモデルを更新）またはなし（今のモデルのまま）。</translation>
    </message>
    <message>
        <source>full</source>
        <translation>完全なモデル</translation>
    </message>
    <message>
        <source>none</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>Document packs</source>
        <translation>文書パック</translation>
    </message>
    <message>
        <source>Document packs this PC follows: signed sets of site documents published by IT under these names, installed by genba update and indexed like docs.folders.</source>
        <translation>この PC が受け取る文書パック: IT がこの名前で公開する、署名付きの現場文書のまとまり。`genba update` が導入し、`docs.folders` と同じく索引に入れます。</translation>
    </message>
    <message>
        <source>History</source>
        <translation>履歴</translation>
    </message>
    <message>
        <source>Keep a history of questions and answers on this PC.</source>
        <translation>質問と回答の履歴をこの PC に保存します。</translation>
    </message>
    <message>
        <source>Keep history</source>
        <translation>履歴の保存期間</translation>
    </message>
    <message>
        <source>Delete history entries older than this. 0: keep forever.</source>
        <translation>これより古い履歴を削除します。0: 無期限に保存。</translation>
    </message>
    <message>
        <source>days</source>
        <translation>日</translation>
    </message>
    <message>
        <source>Allow export</source>
        <translation>書き出しを許可</translation>
    </message>
    <message>
        <source>Operators may export conversations to Markdown or JSON files.</source>
        <translation>オペレーターが会話を Markdown や JSON ファイルに書き出せます。</translation>
    </message>
    <message>
        <source>Local metrics</source>
        <translation>ローカル計測</translation>
    </message>
    <message>
        <source>Record pilot metrics of every answer on this PC (route, experts, times, tokens, CPU time, energy), never question or answer text. Nothing is sent: IT collects them with genba pilot export.</source>
        <translation>回答ごとの試行運用の計測値 (経路、エキスパート数、時間、トークン数、CPU 時間、消費電力量) をこの PC に記録します。質問や回答の文章は記録しません。外部には送信せず、IT 担当者が genba pilot export で回収します。</translation>
    </message>
    <message>
        <source>Watts per busy core</source>
        <translation>コア 1 個あたりの消費電力</translation>
    </message>
    <message>
        <source>Power one fully busy CPU core draws, for the energy estimate (CPU time × watts) on PCs without an energy counter (RAPL or a discharging battery).</source>
        <translation>CPU コア 1 個が全力で動くときの消費電力です。電力量カウンター (CPU パッケージの電力計、または放電中のバッテリー) のない PC で、消費電力量を CPU 時間 × ワット数で見積もるのに使います。</translation>
    </message>
    <message>
        <source>W</source>
        <translation>W</translation>
    </message>
    <message>
        <source>Pilot site</source>
        <translation>試行運用の拠点名</translation>
    </message>
    <message>
        <source>Name of the site this PC belongs to, written into its pilot export so that genba pilot merge reports per site. Empty: the PC&apos;s network name.</source>
        <translation>この PC が属する拠点の名前です。試行運用のエクスポートに書き込まれ、genba pilot merge が拠点ごとに集計します。空欄：PC のネットワーク名。</translation>
    </message>
    <message>
        <source>Instructions for the model</source>
        <translation>モデルへの指示</translation>
    </message>
    <message>
        <source>Instructions given to the model before every conversation, locally and on the remote server, e.g. &quot;Answer briefly, in numbered steps.&quot; Never shown in the chat or stored in the history. Empty: none.</source>
        <translation>すべての会話の前にモデルへ渡す指示です（この PC でもリモートサーバーでも）。例:「番号付きの手順で簡潔に答えてください。」チャットには表示されず、履歴にも保存されません。空欄: 指示なし。</translation>
    </message>
    <message>
        <source>Example questions</source>
        <translation>質問の例</translation>
    </message>
    <message>
        <source>Example questions shown on the welcome page of an empty chat, which the operator can pick. Used in every language unless a language has its own list. Empty: genba&apos;s built-in examples.</source>
        <translation>空のチャットの案内ページに表示され、作業者が選べる質問の例です。言語ごとの一覧がない限り、すべての言語で使われます。空欄: genba に組み込みの例。</translation>
    </message>
    <message>
        <source>Example questions (Japanese)</source>
        <translation>質問の例（日本語）</translation>
    </message>
    <message>
        <source>Example questions for the Japanese window; they replace assistant.example_prompts there. Empty: assistant.example_prompts.</source>
        <translation>日本語の画面で使う質問の例です。日本語の画面では assistant.example_prompts の代わりに使われます。空欄: assistant.example_prompts。</translation>
    </message>
    <message>
        <source>Document folders</source>
        <translation>文書フォルダー</translation>
    </message>
    <message>
        <source>Folders of site documents (work instructions, manuals, standards: PDF, Word, Markdown, text, HTML) that genba indexes on this PC and answers from, with the document and page shown under each answer. Local folders or mounted shares.</source>
        <translation>この PC で索引を作り、回答の根拠にする現場文書（作業標準書、取扱説明書、規格: PDF、Word、マークダウン、テキスト、HTML）のフォルダー。回答の下に文書名とページを表示します。ローカルのフォルダーまたはマウントした共有フォルダー。</translation>
    </message>
    <message>
        <source>Allow own document folders</source>
        <translation>自分の文書フォルダーを許可</translation>
    </message>
    <message>
        <source>Let operators add their own document folders (docs.personal_folders) to the index.</source>
        <translation>作業者が自分の文書フォルダー（`docs.personal_folders`）を索引に加えられるようにします。</translation>
    </message>
    <message>
        <source>My document folders</source>
        <translation>自分の文書フォルダー</translation>
    </message>
    <message>
        <source>The operator&apos;s own document folders, indexed with the site&apos;s when docs.allow_personal is on.</source>
        <translation>作業者自身の文書フォルダー。`docs.allow_personal` がオンのとき、現場の文書と一緒に索引に入れます。</translation>
    </message>
    <message>
        <source>Answers from documents</source>
        <translation>文書からの回答</translation>
    </message>
    <message>
        <source>How answers use the documents: use (give the model the passages found and show their sources), require (answer only from the documents; when nothing is found, say so instead of asking the model) or off.</source>
        <translation>回答での文書の使い方: 使う（見つかった箇所をモデルに渡し、出典を表示）、必須（文書だけから回答し、見つからなければモデルに聞かずにそう伝える）、オフ。</translation>
    </message>
    <message>
        <source>use</source>
        <translation>使う</translation>
    </message>
    <message>
        <source>require</source>
        <translation>必須</translation>
    </message>
    <message>
        <source>off</source>
        <translation>オフ</translation>
    </message>
    <message>
        <source>Passages per question</source>
        <translation>質問ごとの引用箇所</translation>
    </message>
    <message>
        <source>The most passages given to the model with a question (fewer when the context is short).</source>
        <translation>1 つの質問でモデルに渡す箇所の上限（コンテキストが短いときは少なくなります）。</translation>
    </message>
    <message>
        <source>Largest document</source>
        <translation>文書の最大サイズ</translation>
    </message>
    <message>
        <source>Documents larger than this are not indexed (the index says so).</source>
        <translation>これより大きい文書は索引に入れません（索引の状態にその旨を表示します）。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>言語</translation>
    </message>
    <message>
        <source>Language of the window: Japanese, English, or the system&apos;s language.</source>
        <translation>画面の言語: 日本語、英語、またはシステムの言語。</translation>
    </message>
    <message>
        <source>ja</source>
        <translation>日本語</translation>
    </message>
    <message>
        <source>en</source>
        <translation>English</translation>
    </message>
    <message>
        <source>system</source>
        <translation>システムに合わせる</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>文字の大きさ</translation>
    </message>
    <message>
        <source>Text size in percent of the system size.</source>
        <translation>システムの文字サイズに対する割合 (%)。</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>ハイコントラスト</translation>
    </message>
    <message>
        <source>High-contrast colours.</source>
        <translation>コントラストの高い配色。</translation>
    </message>
    <message>
        <source>Status details</source>
        <translation>ステータスの詳細</translation>
    </message>
    <message>
        <source>Show the status details under the window (model, experts, route, speed, memory) instead of only the plain status line.</source>
        <translation>ウィンドウ下部に、簡潔なステータス行だけでなく詳細 (モデル、エキスパート、経路、速度、メモリ) も表示します。</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>Status</source>
        <translation>ステータス</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>モデル</translation>
    </message>
    <message>
        <source>Active experts</source>
        <translation>有効なエキスパート</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>経路</translation>
    </message>
    <message>
        <source>Speed of the last answer</source>
        <translation>直前の回答の速度</translation>
    </message>
    <message>
        <source>Memory in use</source>
        <translation>使用中のメモリ</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>ネットワーク</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Apply now</source>
        <translation>今すぐ適用</translation>
    </message>
    <message>
        <source>Switch to the new model now</source>
        <translation>今すぐ新しいモデルに切り替える</translation>
    </message>
    <message>
        <source>Switch to the new model now; it is used from the next answer</source>
        <translation>今すぐ新しいモデルに切り替えます。次の回答から使われます</translation>
    </message>
    <message>
        <source>Model: {name}</source>
        <translation>モデル: {name}</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>モデル未読み込み</translation>
    </message>
    <message>
        <source>Hide details</source>
        <translation>詳細を隠す</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>詳細</translation>
    </message>
    <message>
        <source>Status details</source>
        <translation>ステータスの詳細</translation>
    </message>
    <message>
        <source>Show or hide the details: model, experts, route, speed, memory</source>
        <translation>詳細 (モデル、エキスパート、経路、速度、メモリ) を表示または非表示にします</translation>
    </message>
    <message>
        <source>site pack {name} ({k} of {e} experts)</source>
        <translation>サイトパック {name}（エキスパート {e} 個中 {k} 個）</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>モデルを読み込んでいます…</translation>
    </message>
    <message>
        <source>No model is ready</source>
        <translation>使えるモデルがありません</translation>
    </message>
    <message>
        <source>Ready · on this PC · offline</source>
        <translation>準備完了 · この PC で回答 · オフライン</translation>
    </message>
    <message>
        <source>Ready · on this PC · site server available</source>
        <translation>準備完了 · この PC で回答 · サイトのサーバーも利用可</translation>
    </message>
    <message>
        <source>Ready · on this PC</source>
        <translation>準備完了 · この PC で回答</translation>
    </message>
    <message>
        <source>Answering…</source>
        <translation>回答中…</translation>
    </message>
    <message>
        <source>Answering on this PC…</source>
        <translation>この PC で回答中…</translation>
    </message>
    <message>
        <source>The answer could not be finished — see the message in the chat</source>
        <translation>回答を完了できませんでした — チャットのメッセージをご覧ください</translation>
    </message>
    <message>
        <source>Answer stopped</source>
        <translation>回答を停止しました</translation>
    </message>
    <message>
        <source>Not answered — see the message in the chat</source>
        <translation>回答できませんでした — チャットのメッセージをご覧ください</translation>
    </message>
    <message>
        <source>Answered on this PC</source>
        <translation>この PC で回答しました</translation>
    </message>
    <message>
        <source>Answered by the site server because {cause}</source>
        <translation>サイトのサーバーが回答しました（理由: {cause}）</translation>
    </message>
    <message>
        <source>Answered by the site server</source>
        <translation>サイトのサーバーが回答しました</translation>
    </message>
    <message>
        <source>Experts: –</source>
        <translation>エキスパート: –</translation>
    </message>
    <message>
        <source>Shown after the first answer</source>
        <translation>最初の回答のあとに表示されます</translation>
    </message>
    <message>
        <source>Route: –</source>
        <translation>経路: –</translation>
    </message>
    <message>
        <source>Experts: {n} ({why})</source>
        <translation>エキスパート: {n} ({why})</translation>
    </message>
    <message>
        <source>local</source>
        <translation>ローカル</translation>
    </message>
    <message>
        <source>remote</source>
        <translation>リモート</translation>
    </message>
    <message>
        <source>none</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>Route: {route}</source>
        <translation>経路: {route}</translation>
    </message>
    <message>
        <source>first token {s:.2f} s</source>
        <translation>最初のトークン {s:.2f} 秒</translation>
    </message>
    <message>
        <source>{v:.1f} tokens/s</source>
        <translation>{v:.1f} トークン/秒</translation>
    </message>
    <message>
        <source>Network: offline mode</source>
        <translation>ネットワーク: オフラインモード</translation>
    </message>
    <message>
        <source>Site server: not set up</source>
        <translation>サイトのサーバー: 未設定</translation>
    </message>
    <message>
        <source>Site server: available</source>
        <translation>サイトのサーバー: 利用可</translation>
    </message>
    <message>
        <source>Memory: {mb} MB</source>
        <translation>メモリ: {mb} MB</translation>
    </message>
</context>
<context>
    <name>TokenStore</name>
    <message>
        <source>Only {backend} was found. genba never keeps a token in a plain file and uses the remote server without one. Install or unlock the system keyring (Windows Credential Manager, macOS Keychain, or a Secret Service such as GNOME Keyring or KWallet).</source>
        <translation>見つかったのは {backend} だけでした。genba はトークンを平文のファイルに保存せず、トークンなしでリモートサーバーを使います。システムのキーリング (Windows 資格情報マネージャー、macOS キーチェーン、または GNOME Keyring や KWallet などの Secret Service) をインストールするか、ロックを解除してください。</translation>
    </message>
</context>
<context>
    <name>UpdateStatus</name>
    <message>
        <source>Checking for model updates…</source>
        <translation>モデルの更新を確認しています…</translation>
    </message>
    <message>
        <source>Downloading model update: {pct} %</source>
        <translation>モデルの更新をダウンロード中: {pct} %</translation>
    </message>
    <message>
        <source>Switching to the new model…</source>
        <translation>新しいモデルに切り替えています…</translation>
    </message>
    <message>
        <source>Downloading model update…</source>
        <translation>モデルの更新をダウンロード中…</translation>
    </message>
    <message>
        <source>Model update {version} is ready</source>
        <translation>モデルの更新 {version} の準備ができました</translation>
    </message>
    <message>
        <source>Model update {version} is ready; IT will switch to it</source>
        <translation>モデルの更新 {version} の準備ができました。IT 担当者が切り替えます</translation>
    </message>
    <message>
        <source>Another model update is running; try again in a minute</source>
        <translation>別のモデル更新が実行中です。1 分ほどしてからもう一度お試しください</translation>
    </message>
    <message>
        <source>New model ready; it is used from the next answer</source>
        <translation>新しいモデルの準備ができました。次の回答から使われます</translation>
    </message>
    <message>
        <source>Automatic model updates are not set up on this PC — ask IT</source>
        <translation>この PC ではモデルの自動更新が設定されていません。IT 担当者に連絡してください</translation>
    </message>
    <message>
        <source>Automatic model updates are not working on this PC — ask IT</source>
        <translation>この PC ではモデルの自動更新が動作していません。IT 担当者に連絡してください</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>How do I check a torque wrench before use?</source>
        <translation>トルクレンチの使用前点検はどうすればよいですか？</translation>
    </message>
    <message>
        <source>Explain lockout-tagout in simple numbered steps.</source>
        <translation>ロックアウト・タグアウトを番号付きの簡単な手順で説明してください。</translation>
    </message>
    <message>
        <source>What should I check on a machine at the start of a shift?</source>
        <translation>始業時に機械の何を点検すればよいですか？</translation>
    </message>
    <message>
        <source>Write a short handover note for the next shift.</source>
        <translation>次の勤務者への短い引き継ぎメモを書いてください。</translation>
    </message>
    <message>
        <source>Put this question in the message box</source>
        <translation>この質問を入力欄に入れる</translation>
    </message>
    <message>
        <source>Ask about your work</source>
        <translation>仕事について質問しましょう</translation>
    </message>
    <message>
        <source>genba answers questions about your work (procedures, checks, tools, handovers) on this PC. Type a question below, or pick an example.</source>
        <translation>genba は仕事（手順、点検、工具、引き継ぎ）についての質問にこの PC で答えます。下に質問を入力するか、例を選んでください。</translation>
    </message>
    <message>
        <source>Answers can be wrong. Always check them against your work instructions before you act.</source>
        <translation>回答は間違っていることがあります。作業する前に、必ず作業手順書と照らし合わせて確認してください。</translation>
    </message>
    <message>
        <source>&amp;Examples:</source>
        <translation>例(&amp;E):</translation>
    </message>
    <message>
        <source>Example questions</source>
        <translation>質問の例</translation>
    </message>
    <message>
        <source>Press Enter to put the selected question in the message box.</source>
        <translation>Enter キーで、選んだ質問を入力欄に入れます。</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>チャット(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>言語(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新しいチャット(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Export conversation…</source>
        <translation>会話を書き出す(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>設定(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>送信(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;top answering</source>
        <translation>回答を停止(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Regenerate answer</source>
        <translation>回答を再生成(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Copy answer</source>
        <translation>回答をコピー(&amp;C)</translation>
    </message>
    <message>
        <source>C&amp;ontinue answer</source>
        <translation>回答の続きを生成(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Edit and resend last question</source>
        <translation>最後の質問を編集して再送信(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Previous version of the answer</source>
        <translation>回答の前のバージョン(&amp;P)</translation>
    </message>
    <message>
        <source>Ne&amp;xt version of the answer</source>
        <translation>回答の次のバージョン(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Focus message box</source>
        <translation>入力欄へ移動(&amp;F)</translation>
    </message>
    <message>
        <source>Search &amp;conversations</source>
        <translation>会話を検索(&amp;C)</translation>
    </message>
    <message>
        <source>Rena&amp;me conversation…</source>
        <translation>会話の名前を変更(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Delete conversation</source>
        <translation>会話を削除(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Larger text</source>
        <translation>文字を大きく(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Smaller text</source>
        <translation>文字を小さく(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;High contrast</source>
        <translation>ハイコントラスト(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>キーボードショートカット(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About genba</source>
        <translation>genba について(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Pilot report…</source>
        <translation>パイロットレポート(&amp;P)…</translation>
    </message>
    <message>
        <source>Building the pilot report…</source>
        <translation>パイロットレポートを作成中…</translation>
    </message>
    <message>
        <source>Pilot report (unavailable: metrics are turned off)</source>
        <translation>パイロットレポート（利用不可: 計測がオフになっています）</translation>
    </message>
</context>
</TS>
