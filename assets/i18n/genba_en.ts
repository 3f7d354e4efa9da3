<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AnswerController</name>
    <message>
        <source>Editing a question: Send replaces it and the answers after it, which stay as its previous version (‹ ›). Esc cancels.</source>
        <translation>Editing a question: Send replaces it and the answers after it, which stay as its previous version (‹ ›). Esc cancels.</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>Conversation</translation>
    </message>
    <message>
        <source>Messages of the selected conversation</source>
        <translation>Messages of the selected conversation</translation>
    </message>
    <message>
        <source>You</source>
        <translation>You</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <source>answering…</source>
        <translation>answering…</translation>
    </message>
    <message>
        <source>interrupted — the app closed before this answer finished</source>
        <translation>interrupted — the app closed before this answer finished</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>stopped</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>cut short: the answer reached the length limit</source>
        <translation>cut short: the answer reached the length limit</translation>
    </message>
    <message>
        <source>{n} experts</source>
        <translation>{n} experts</translation>
    </message>
    <message>
        <source>local</source>
        <translation>local</translation>
    </message>
    <message>
        <source>remote</source>
        <translation>remote</translation>
    </message>
    <message>
        <source>{s:.2f} s to first token</source>
        <translation>{s:.2f} s to first token</translation>
    </message>
    <message>
        <source>{v:.1f} tokens/s</source>
        <translation>{v:.1f} tokens/s</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Copied</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Previous version</source>
        <translation>Previous version</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>Next version</translation>
    </message>
    <message>
        <source>Edit and resend</source>
        <translation>Edit and resend</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continue</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>Regenerate</translation>
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
        <translation>Rename conversation</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>New name:</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>Delete conversation</translation>
    </message>
    <message>
        <source>Delete “{title}” and all its messages?</source>
        <translation>Delete “{title}” and all its messages?</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>Export conversation</translation>
    </message>
    <message>
        <source>Markdown (*.md);;JSON (*.json)</source>
        <translation>Markdown (*.md);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not export: {error}</source>
        <translation>Could not export: {error}</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Search conversations</source>
        <translation>Search conversations</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Conversations</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>&amp;New chat</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>New chat</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>Start a new conversation (Ctrl+N)</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>Rename conversation</source>
        <translation>Rename conversation</translation>
    </message>
    <message>
        <source>Rename the selected conversation (F2)</source>
        <translation>Rename the selected conversation (F2)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>Delete conversation</translation>
    </message>
    <message>
        <source>Delete the selected conversation</source>
        <translation>Delete the selected conversation</translation>
    </message>
</context>
<context>
    <name>DemoNotice</name>
    <message>
        <source>This is a demonstration model: its answers are often wrong. To get your site&apos;s model, ask IT, or import a model file you were given.</source>
        <translation>This is a demonstration model: its answers are often wrong. To get your site&apos;s model, ask IT, or import a model file you were given.</translation>
    </message>
    <message>
        <source>This is a demonstration model: its answers are often wrong. Ask IT to install your site&apos;s model.</source>
        <translation>This is a demonstration model: its answers are often wrong. Ask IT to install your site&apos;s model.</translation>
    </message>
    <message>
        <source>Demonstration model</source>
        <translation>Demonstration model</translation>
    </message>
    <message>
        <source>&amp;Import model…</source>
        <translation>&amp;Import model…</translation>
    </message>
    <message>
        <source>Import your site&apos;s model file</source>
        <translation>Import your site&apos;s model file</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <source>The local model stopped unexpectedly ({why}). It starts again with the next question; if this keeps happening, ask IT to check the model with `genba doctor`.</source>
        <translation>The local model stopped unexpectedly ({why}). It starts again with the next question; if this keeps happening, ask IT to check the model with `genba doctor`.</translation>
    </message>
    <message>
        <source>genba cannot answer this now: {reason}.</source>
        <translation>genba cannot answer this now: {reason}.</translation>
    </message>
    <message>
        <source>There is no question to answer. Type a question first.</source>
        <translation>There is no question to answer. Type a question first.</translation>
    </message>
    <message>
        <source>The question is empty. Type a question first.</source>
        <translation>The question is empty. Type a question first.</translation>
    </message>
    <message>
        <source>The question contains bytes that are not valid UTF-8 text. Save or paste it as UTF-8 text and try again.</source>
        <translation>The question contains bytes that are not valid UTF-8 text. Save or paste it as UTF-8 text and try again.</translation>
    </message>
    <message>
        <source>The conversation is {tokens} tokens long but the context holds {n_ctx}. Start a new conversation or shorten the question.</source>
        <translation>The conversation is {tokens} tokens long but the context holds {n_ctx}. Start a new conversation or shorten the question.</translation>
    </message>
    <message>
        <source>{file} fixes N={fixed} in every layer; llama.cpp cannot run it with {experts} experts.</source>
        <translation>{file} fixes N={fixed} in every layer; llama.cpp cannot run it with {experts} experts.</translation>
    </message>
    <message>
        <source>No model is installed yet. Build the built-in default with `genba models build-default`, or import a GGUF file with `genba models import PATH`.</source>
        <translation>No model is installed yet. Build the built-in default with `genba models build-default`, or import a GGUF file with `genba models import PATH`.</translation>
    </message>
    <message>
        <source>No .gguf model file was found in {folder}. Choose the folder that holds the model file, or import the file itself.</source>
        <translation>No .gguf model file was found in {folder}. Choose the folder that holds the model file, or import the file itself.</translation>
    </message>
    <message>
        <source>Model file {path} does not exist. Check the path, or run `genba models list`.</source>
        <translation>Model file {path} does not exist. Check the path, or run `genba models list`.</translation>
    </message>
    <message>
        <source>Cannot read model file {path}: {error}. Check its permissions.</source>
        <translation>Cannot read model file {path}: {error}. Check its permissions.</translation>
    </message>
    <message>
        <source>Cannot read model file {path}: {error}. Copy it to a local disk.</source>
        <translation>Cannot read model file {path}: {error}. Copy it to a local disk.</translation>
    </message>
    <message>
        <source>{path} is a folder; give the path of a .gguf file inside it.</source>
        <translation>{path} is a folder; give the path of a .gguf file inside it.</translation>
    </message>
    <message>
        <source>{path} is not a regular file (a pipe, device or socket); give the path of a .gguf model file.</source>
        <translation>{path} is not a regular file (a pipe, device or socket); give the path of a .gguf model file.</translation>
    </message>
    <message>
        <source>{path} is empty (0 bytes). Download or copy the model again.</source>
        <translation>{path} is empty (0 bytes). Download or copy the model again.</translation>
    </message>
    <message>
        <source>{path} is incomplete: it ends inside its header. Download or copy the model again.</source>
        <translation>{path} is incomplete: it ends inside its header. Download or copy the model again.</translation>
    </message>
    <message>
        <source>{path} is not a GGUF model file (it does not start with &apos;GGUF&apos;). Use a .gguf file made for llama.cpp.</source>
        <translation>{path} is not a GGUF model file (it does not start with &apos;GGUF&apos;). Use a .gguf file made for llama.cpp.</translation>
    </message>
    <message>
        <source>{path} uses architecture &apos;{arch}&apos;, which this genba&apos;s llama.cpp does not know. Update genba or pick a model from `genba models list`.</source>
        <translation>{path} uses architecture &apos;{arch}&apos;, which this genba&apos;s llama.cpp does not know. Update genba or pick a model from `genba models list`.</translation>
    </message>
    <message>
        <source>{path} is a dense &apos;{arch}&apos; model with no experts, so genba cannot choose top-N experts. Use a Mixture-of-Experts GGUF (see `genba models list`).</source>
        <translation>{path} is a dense &apos;{arch}&apos; model with no experts, so genba cannot choose top-N experts. Use a Mixture-of-Experts GGUF (see `genba models list`).</translation>
    </message>
    <message>
        <source>Importing a model is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>Importing a model is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</translation>
    </message>
    <message>
        <source>Importing a model is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>Importing a model is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</translation>
    </message>
    <message>
        <source>Downloading a model is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>Downloading a model is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</translation>
    </message>
    <message>
        <source>Downloading a model is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>Downloading a model is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</translation>
    </message>
    <message>
        <source>Using the model file {file} is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>Using the model file {file} is turned off on this PC by policy (model.allow_user_models = false): only the model IT set or installed is used. Ask IT to install the model.</translation>
    </message>
    <message>
        <source>Using the model file {file} is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</source>
        <translation>Using the model file {file} is turned off on this PC by policy (model.allow_user_models = false (a policy file has an error, so it is off for safety)): only the model IT set or installed is used. Ask IT to install the model.</translation>
    </message>
    <message>
        <source>llama.cpp could not load {path} with {experts} experts ({error}). Check the file with `genba inspect`, or free some memory and try again.</source>
        <translation>llama.cpp could not load {path} with {experts} experts ({error}). Check the file with `genba inspect`, or free some memory and try again.</translation>
    </message>
    <message>
        <source>GENBA_LLAMA_CPU names the CPU backend {forced!r}, which is not installed (installed: {installed}). Unset it or pick one of these.</source>
        <translation>GENBA_LLAMA_CPU names the CPU backend {forced!r}, which is not installed (installed: {installed}). Unset it or pick one of these.</translation>
    </message>
    <message>
        <source>llama.cpp cannot run on this PC&apos;s processor ({detail}). Ask IT to check the installation; answers can still come from the remote server.</source>
        <translation>llama.cpp cannot run on this PC&apos;s processor ({detail}). Ask IT to check the installation; answers can still come from the remote server.</translation>
    </message>
    <message>
        <source>llama.cpp&apos;s ggml library is not loaded ({error}). Reinstall genba.</source>
        <translation>llama.cpp&apos;s ggml library is not loaded ({error}). Reinstall genba.</translation>
    </message>
    <message>
        <source>llama.cpp has no CPU backend installed. Reinstall genba (`make setup`).</source>
        <translation>llama.cpp has no CPU backend installed. Reinstall genba (`make setup`).</translation>
    </message>
    <message>
        <source>llama.cpp could not load its CPU backend {file}. Reinstall genba.</source>
        <translation>llama.cpp could not load its CPU backend {file}. Reinstall genba.</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>No model is ready yet</source>
        <translation>No model is ready yet</translation>
    </message>
    <message>
        <source>What is missing</source>
        <translation>What is missing</translation>
    </message>
    <message>
        <source>genba needs a Mixture-of-Experts model file (GGUF) to answer. Import a model file you were given, or build the built-in default model on this PC (this takes a few minutes and needs no internet if the model package is installed).</source>
        <translation>genba needs a Mixture-of-Experts model file (GGUF) to answer. Import a model file you were given, or build the built-in default model on this PC (this takes a few minutes and needs no internet if the model package is installed).</translation>
    </message>
    <message>
        <source>The model cannot run on this PC</source>
        <translation>The model cannot run on this PC</translation>
    </message>
    <message>
        <source>genba checked that the model&apos;s program works on this PC&apos;s processor, and it did not. Nothing is lost. Please tell IT and show them this message; they can check the PC with &quot;genba doctor&quot; or set up a server that answers instead.</source>
        <translation>genba checked that the model&apos;s program works on this PC&apos;s processor, and it did not. Nothing is lost. Please tell IT and show them this message; they can check the PC with &quot;genba doctor&quot; or set up a server that answers instead.</translation>
    </message>
    <message>
        <source>How to fix it</source>
        <translation>How to fix it</translation>
    </message>
    <message>
        <source>Import model &amp;file…</source>
        <translation>Import model &amp;file…</translation>
    </message>
    <message>
        <source>Import model file</source>
        <translation>Import model file</translation>
    </message>
    <message>
        <source>Import from f&amp;older…</source>
        <translation>Import from f&amp;older…</translation>
    </message>
    <message>
        <source>Import model from folder</source>
        <translation>Import model from folder</translation>
    </message>
    <message>
        <source>&amp;Build default model</source>
        <translation>&amp;Build default model</translation>
    </message>
    <message>
        <source>Build default model</source>
        <translation>Build default model</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Progress</translation>
    </message>
</context>
<context>
    <name>InputBox</name>
    <message>
        <source>Type a question. Enter sends, Shift+Enter starts a new line.</source>
        <translation>Type a question. Enter sends, Shift+Enter starts a new line.</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
</context>
<context>
    <name>LockNote</name>
    <message>
        <source>Locked</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>{setting}: locked</source>
        <translation>{setting}: locked</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>genba — shop-floor assistant</source>
        <translation>genba — shop-floor assistant</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Copied</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Send the message (Enter)</source>
        <translation>Send the message (Enter)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation>Stop the answer (Esc)</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>Regenerate</translation>
    </message>
    <message>
        <source>Answer the last question again (Ctrl+R)</source>
        <translation>Answer the last question again (Ctrl+R)</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Copy answer</source>
        <translation>Copy answer</translation>
    </message>
    <message>
        <source>Copy the last answer (Ctrl+Shift+C)</source>
        <translation>Copy the last answer (Ctrl+Shift+C)</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Loading the model…</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>Notice</translation>
    </message>
    <message>
        <source>Answers may be wrong — check them against your work instructions.</source>
        <translation>Answers may be wrong — check them against your work instructions.</translation>
    </message>
    <message>
        <source>The history could not be opened, so the conversations of this session are not saved.</source>
        <translation>The history could not be opened, so the conversations of this session are not saved.</translation>
    </message>
    <message>
        <source>The history was damaged, so a new one was started; the old history was kept at {path}.</source>
        <translation>The history was damaged, so a new one was started; the old history was kept at {path}.</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>About genba</source>
        <translation>About genba</translation>
    </message>
    <message>
        <source>genba — an offline-first assistant running a sparse Mixture-of-Experts model.</source>
        <translation>genba — an offline-first assistant running a sparse Mixture-of-Experts model.</translation>
    </message>
</context>
<context>
    <name>ModelLabel</name>
    <message>
        <source>{name} ({n} experts, converted to Mixture-of-Experts)</source>
        <translation>{name} ({n} experts, converted to Mixture-of-Experts)</translation>
    </message>
</context>
<context>
    <name>ModelTasks</name>
    <message>
        <source>Import model file</source>
        <translation>Import model file</translation>
    </message>
    <message>
        <source>GGUF model (*.gguf)</source>
        <translation>GGUF model (*.gguf)</translation>
    </message>
    <message>
        <source>Import model from folder</source>
        <translation>Import model from folder</translation>
    </message>
    <message>
        <source>Importing {name}…</source>
        <translation>Importing {name}…</translation>
    </message>
    <message>
        <source>Building the default model…</source>
        <translation>Building the default model…</translation>
    </message>
</context>
<context>
    <name>NoticeText</name>
    <message>
        <source>Loaded the model with {experts} experts in {seconds:.2f} s.</source>
        <translation>Loaded the model with {experts} experts in {seconds:.2f} s.</translation>
    </message>
    <message>
        <source>The conversation is too long for this PC: the {dropped} oldest messages were left out of this answer.</source>
        <translation>The conversation is too long for this PC: the {dropped} oldest messages were left out of this answer.</translation>
    </message>
    <message>
        <source>The model on this PC failed: {error}</source>
        <translation>The model on this PC failed: {error}</translation>
    </message>
    <message>
        <source>The model on this PC failed too: {error}</source>
        <translation>The model on this PC failed too: {error}</translation>
    </message>
    <message>
        <source>The model on this PC stopped unexpectedly ({why}); the server answers instead.</source>
        <translation>The model on this PC stopped unexpectedly ({why}); the server answers instead.</translation>
    </message>
    <message>
        <source>The model on this PC stopped unexpectedly ({why}). It starts again with the next question; if this keeps happening, ask IT to check this PC with `genba doctor`.</source>
        <translation>The model on this PC stopped unexpectedly ({why}). It starts again with the next question; if this keeps happening, ask IT to check this PC with `genba doctor`.</translation>
    </message>
    <message>
        <source>{error}</source>
        <translation>{error}</translation>
    </message>
    <message>
        <source>{error} The {chars} characters that arrived are kept.</source>
        <translation>{error} The {chars} characters that arrived are kept.</translation>
    </message>
    <message>
        <source>{error} No local answer is possible now.</source>
        <translation>{error} No local answer is possible now.</translation>
    </message>
    <message>
        <source>{error} The {chars} characters that arrived are kept. No local answer is possible now.</source>
        <translation>{error} The {chars} characters that arrived are kept. No local answer is possible now.</translation>
    </message>
    <message>
        <source>Answering on this PC instead.</source>
        <translation>Answering on this PC instead.</translation>
    </message>
    <message>
        <source>genba cannot answer this now: {reason}.</source>
        <translation>genba cannot answer this now: {reason}.</translation>
    </message>
</context>
<context>
    <name>PilotReport</name>
    <message>
        <source>The report program could not be started ({program}).</source>
        <translation>The report program could not be started ({program}).</translation>
    </message>
    <message>
        <source>exit code {code}</source>
        <translation>exit code {code}</translation>
    </message>
    <message>
        <source>The pilot report could not be built: {detail}</source>
        <translation>The pilot report could not be built: {detail}</translation>
    </message>
</context>
<context>
    <name>PlainCause</name>
    <message>
        <source>the question is too long for this PC</source>
        <translation>the question is too long for this PC</translation>
    </message>
    <message>
        <source>this PC is short of memory</source>
        <translation>this PC is short of memory</translation>
    </message>
    <message>
        <source>the model on this PC cannot be used</source>
        <translation>the model on this PC cannot be used</translation>
    </message>
    <message>
        <source>the model on this PC failed</source>
        <translation>the model on this PC failed</translation>
    </message>
    <message>
        <source>this PC is running on battery</source>
        <translation>this PC is running on battery</translation>
    </message>
    <message>
        <source>this PC is answering too slowly</source>
        <translation>this PC is answering too slowly</translation>
    </message>
</context>
<context>
    <name>ReasonText</name>
    <message>
        <source>N={n} by fast mode</source>
        <translation>N={n} by fast mode</translation>
    </message>
    <message>
        <source>N={n} by balanced mode</source>
        <translation>N={n} by balanced mode</translation>
    </message>
    <message>
        <source>N={n} by thorough mode</source>
        <translation>N={n} by thorough mode</translation>
    </message>
    <message>
        <source> (experts are set by policy)</source>
        <translation> (experts are set by policy)</translation>
    </message>
    <message>
        <source>N={n} requested</source>
        <translation>N={n} requested</translation>
    </message>
    <message>
        <source>, outside policy {lo}..{hi} → N={n}</source>
        <translation>, outside policy {lo}..{hi} → N={n}</translation>
    </message>
    <message>
        <source>, but this model file fixes N={n} in every layer → N={n}</source>
        <translation>, but this model file fixes N={n} in every layer → N={n}</translation>
    </message>
    <message>
        <source>, but llama.cpp crashes above N={n} with this model on this PC → N={n}</source>
        <translation>, but llama.cpp crashes above N={n} with this model on this PC → N={n}</translation>
    </message>
    <message>
        <source> (useful minimum N={n}, set by the model file)</source>
        <translation> (useful minimum N={n}, set by the model file)</translation>
    </message>
    <message>
        <source> (useful minimum N={n}, by the default rule for a top-{k} model)</source>
        <translation> (useful minimum N={n}, by the default rule for a top-{k} model)</translation>
    </message>
    <message>
        <source> (policy minimum N={n}, above the model&apos;s useful minimum {useful})</source>
        <translation> (policy minimum N={n}, above the model&apos;s useful minimum {useful})</translation>
    </message>
    <message>
        <source> (the model&apos;s useful minimum N={useful} is above the policy maximum N={n})</source>
        <translation> (the model&apos;s useful minimum N={useful} is above the policy maximum N={n})</translation>
    </message>
    <message>
        <source>, below the model&apos;s useful minimum → N={n}</source>
        <translation>, below the model&apos;s useful minimum → N={n}</translation>
    </message>
    <message>
        <source>, below the model&apos;s useful minimum N={floor} (policy allows it)</source>
        <translation>, below the model&apos;s useful minimum N={floor} (policy allows it)</translation>
    </message>
    <message>
        <source>, not below the model&apos;s useful minimum N={floor} (experts.allow_below_useful is off)</source>
        <translation>, not below the model&apos;s useful minimum N={floor} (experts.allow_below_useful is off)</translation>
    </message>
    <message>
        <source>resources fine → local</source>
        <translation>resources fine → local</translation>
    </message>
    <message>
        <source>prompt {prompt} + answer {answer} tokens &gt; local context {context}</source>
        <translation>prompt {prompt} + answer {answer} tokens &gt; local context {context}</translation>
    </message>
    <message>
        <source>, even without old turns</source>
        <translation>, even without old turns</translation>
    </message>
    <message>
        <source>low memory: {usable} usable → context {context} tokens</source>
        <translation>low memory: {usable} usable → context {context} tokens</translation>
    </message>
    <message>
        <source>low memory: {free} free, model needs {need}</source>
        <translation>low memory: {free} free, model needs {need}</translation>
    </message>
    <message>
        <source> + {reserved} reserved</source>
        <translation> + {reserved} reserved</translation>
    </message>
    <message>
        <source>on battery, policy prefers remote</source>
        <translation>on battery, policy prefers remote</translation>
    </message>
    <message>
        <source>on battery</source>
        <translation>on battery</translation>
    </message>
    <message>
        <source>on battery, </source>
        <translation>on battery, </translation>
    </message>
    <message>
        <source>slow: {speed:.1f} tokens/s &lt; {floor:g} tokens/s</source>
        <translation>slow: {speed:.1f} tokens/s &lt; {floor:g} tokens/s</translation>
    </message>
    <message>
        <source> at the minimum N={n}</source>
        <translation> at the minimum N={n}</translation>
    </message>
    <message>
        <source> → N={n}</source>
        <translation> → N={n}</translation>
    </message>
    <message>
        <source> → answer limited to {n} tokens</source>
        <translation> → answer limited to {n} tokens</translation>
    </message>
    <message>
        <source> → old turns trimmed</source>
        <translation> → old turns trimmed</translation>
    </message>
    <message>
        <source> → local anyway</source>
        <translation> → local anyway</translation>
    </message>
    <message>
        <source> → remote</source>
        <translation> → remote</translation>
    </message>
    <message>
        <source> → refused</source>
        <translation> → refused</translation>
    </message>
    <message>
        <source>local model unavailable: </source>
        <translation>local model unavailable: </translation>
    </message>
    <message>
        <source>{file} is missing</source>
        <translation>{file} is missing</translation>
    </message>
    <message>
        <source>{file} is marked broken on this PC</source>
        <translation>{file} is marked broken on this PC</translation>
    </message>
    <message>
        <source>the local model stopped unexpectedly → remote (</source>
        <translation>the local model stopped unexpectedly → remote (</translation>
    </message>
    <message>
        <source>policy keeps questions local when the local model fails</source>
        <translation>policy keeps questions local when the local model fails</translation>
    </message>
    <message>
        <source>remote fallback is off</source>
        <translation>remote fallback is off</translation>
    </message>
    <message>
        <source>no remote server is set (fallback.url)</source>
        <translation>no remote server is set (fallback.url)</translation>
    </message>
    <message>
        <source>offline mode is on (network.offline)</source>
        <translation>offline mode is on (network.offline)</translation>
    </message>
    <message>
        <source>offline mode is on (GENBA_OFFLINE)</source>
        <translation>offline mode is on (GENBA_OFFLINE)</translation>
    </message>
    <message>
        <source>local model failed → remote (</source>
        <translation>local model failed → remote (</translation>
    </message>
    <message>
        <source>)</source>
        <translation>)</translation>
    </message>
    <message>
        <source>remote failed → </source>
        <translation>remote failed → </translation>
    </message>
    <message>
        <source>local failed</source>
        <translation>local failed</translation>
    </message>
    <message>
        <source>remote failed</source>
        <translation>remote failed</translation>
    </message>
    <message>
        <source>nothing about this was found in the site documents, and policy allows answers only from them (docs.answers = require)</source>
        <translation>nothing about this was found in the site documents, and policy allows answers only from them (docs.answers = require)</translation>
    </message>
    <message>
        <source>no site documents are indexed on this PC, and policy allows answers only from them (docs.answers = require)</source>
        <translation>no site documents are indexed on this PC, and policy allows answers only from them (docs.answers = require)</translation>
    </message>
    <message>
        <source>; </source>
        <translation>; </translation>
    </message>
</context>
<context>
    <name>SettingValue</name>
    <message>
        <source>on</source>
        <translation>on</translation>
    </message>
    <message>
        <source>off</source>
        <translation>off</translation>
    </message>
</context>
<context>
    <name>SettingsController</name>
    <message>
        <source>Offline mode is on</source>
        <translation>Offline mode is on</translation>
    </message>
    <message>
        <source>No remote server is configured</source>
        <translation>No remote server is configured</translation>
    </message>
    <message>
        <source>Set by your administrator</source>
        <translation>Set by your administrator</translation>
    </message>
    <message>
        <source>Your administrator has fixed the answer mode</source>
        <translation>Your administrator has fixed the answer mode</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>General</source>
        <translation>General</translation>
    </message>
    <message>
        <source>Remote server</source>
        <translation>Remote server</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>Advanced</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>Policy</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>Access token</translation>
    </message>
    <message>
        <source>A token is stored (type to replace it)</source>
        <translation>A token is stored (type to replace it)</translation>
    </message>
    <message>
        <source>No token</source>
        <translation>No token</translation>
    </message>
    <message>
        <source>The token is kept in the system keyring, never in a file. Leave empty to keep the stored one.</source>
        <translation>The token is kept in the system keyring, never in a file. Leave empty to keep the stored one.</translation>
    </message>
    <message>
        <source>No safe system keyring is available, so a token cannot be stored.</source>
        <translation>No safe system keyring is available, so a token cannot be stored.</translation>
    </message>
    <message>
        <source>Set by your administrator</source>
        <translation>Set by your administrator</translation>
    </message>
    <message>
        <source>Only your administrator can set this</source>
        <translation>Only your administrator can set this</translation>
    </message>
    <message>
        <source>Your administrator has fixed the answer mode</source>
        <translation>Your administrator has fixed the answer mode</translation>
    </message>
    <message>
        <source>Your administrator allows only the models IT installs</source>
        <translation>Your administrator allows only the models IT installs</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>Your settings</source>
        <translation>Your settings</translation>
    </message>
    <message>
        <source>Policy: {file}</source>
        <translation>Policy: {file}</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>Setting</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>Effective settings</source>
        <translation>Effective settings</translation>
    </message>
    <message>
        <source>Problems in policy and settings files:</source>
        <translation>Problems in policy and settings files:</translation>
    </message>
    <message>
        <source>No problems found in policy and settings files.</source>
        <translation>No problems found in policy and settings files.</translation>
    </message>
    <message>
        <source>Problems in policy and settings files</source>
        <translation>Problems in policy and settings files</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>Because a policy file has errors, security settings use their safest values.</source>
        <translation>Because a policy file has errors, security settings use their safest values.</translation>
    </message>
</context>
<context>
    <name>SettingsSchema</name>
    <message>
        <source>Model file</source>
        <translation>Model file</translation>
    </message>
    <message>
        <source>Model file (GGUF) to answer with. Empty: the model named by the current-model pointer in the model store (kept up to date by the updater).</source>
        <translation>Model file (GGUF) to answer with. Empty: the model named by the current-model pointer in the model store (kept up to date by the updater).</translation>
    </message>
    <message>
        <source>Allow own models</source>
        <translation>Allow own models</translation>
    </message>
    <message>
        <source>Operators may add and select their own model files. Off: only the model set by policy or installed by the updater is used.</source>
        <translation>Operators may add and select their own model files. Off: only the model set by policy or installed by the updater is used.</translation>
    </message>
    <message>
        <source>Answer mode</source>
        <translation>Answer mode</translation>
    </message>
    <message>
        <source>fast</source>
        <translation>Fast</translation>
    </message>
    <message>
        <source>balanced</source>
        <translation>Balanced</translation>
    </message>
    <message>
        <source>thorough</source>
        <translation>Thorough</translation>
    </message>
    <message>
        <source>Default experts</source>
        <translation>Default experts</translation>
    </message>
    <message>
        <source>Preset the operator picks: fast (fewest experts that still answer well), balanced, or thorough (most experts), always inside the model&apos;s useful range and experts.min..experts.max.</source>
        <translation>Preset the operator picks: fast (fewest experts that still answer well), balanced, or thorough (most experts), always inside the model&apos;s useful range and experts.min..experts.max.</translation>
    </message>
    <message>
        <source>Model store</source>
        <translation>Model store</translation>
    </message>
    <message>
        <source>Where the current model comes from: user (each operator&apos;s own model store) or machine (the machine-wide store that the update service keeps up to date; operators can only read it).</source>
        <translation>Where the current model comes from: user (each operator&apos;s own model store) or machine (the machine-wide store that the update service keeps up to date; operators can only read it).</translation>
    </message>
    <message>
        <source>user</source>
        <translation>user</translation>
    </message>
    <message>
        <source>machine</source>
        <translation>machine</translation>
    </message>
    <message>
        <source>Active experts per token when nothing else decides. 0: the model&apos;s own default (the N its file recommends, else its expert_used_count).</source>
        <translation>Active experts per token when nothing else decides. 0: the model&apos;s own default (the N its file recommends, else its expert_used_count).</translation>
    </message>
    <message>
        <source>Minimum experts</source>
        <translation>Minimum experts</translation>
    </message>
    <message>
        <source>Fewest active experts genba may use, even on a slow or busy PC.</source>
        <translation>Fewest active experts genba may use, even on a slow or busy PC.</translation>
    </message>
    <message>
        <source>Maximum experts</source>
        <translation>Maximum experts</translation>
    </message>
    <message>
        <source>Most active experts genba may use. 0: all the experts the model has.</source>
        <translation>Most active experts genba may use. 0: all the experts the model has.</translation>
    </message>
    <message>
        <source>Allow fewer than useful experts</source>
        <translation>Allow fewer than useful experts</translation>
    </message>
    <message>
        <source>A slow PC or battery power may lower the number of experts below the model&apos;s useful minimum (its file&apos;s, else max(2, half its trained top-k)). Off: genba keeps the useful minimum and goes remote, or says why, instead.</source>
        <translation>A slow PC or battery power may lower the number of experts below the model&apos;s useful minimum (its file&apos;s, else max(2, half its trained top-k)). Off: genba keeps the useful minimum and goes remote, or says why, instead.</translation>
    </message>
    <message>
        <source>Operator chooses experts</source>
        <translation>Operator chooses experts</translation>
    </message>
    <message>
        <source>Operators may choose the answer mode (number of experts) themselves.</source>
        <translation>Operators may choose the answer mode (number of experts) themselves.</translation>
    </message>
    <message>
        <source>Adaptive experts</source>
        <translation>Adaptive experts</translation>
    </message>
    <message>
        <source>Choose the number of experts per question from free memory, speed and battery.</source>
        <translation>Choose the number of experts per question from free memory, speed and battery.</translation>
    </message>
    <message>
        <source>Expert statistics sample</source>
        <translation>Expert statistics sample</translation>
    </message>
    <message>
        <source>Share of local answers (0 to 1) whose expert routing is counted for the expert-load statistics (genba experts stats). Only counts per expert are kept, never text. A counted answer decodes about a quarter slower. 0: nothing is collected.</source>
        <translation>Share of local answers (0 to 1) whose expert routing is counted for the expert-load statistics (genba experts stats). Only counts per expert are kept, never text. A counted answer decodes about a quarter slower. 0: nothing is collected.</translation>
    </message>
    <message>
        <source>Expert imbalance alert</source>
        <translation>Expert imbalance alert</translation>
    </message>
    <message>
        <source>Warn when the expert load of a layer is this unequal: the Gini coefficient of its routing counts, scaled so that 0 is an even load and 1 is the same experts for every token. The warning goes to the log, genba doctor and the statistics export. 0: never warn.</source>
        <translation>Warn when the expert load of a layer is this unequal: the Gini coefficient of its routing counts, scaled so that 0 is an even load and 1 is the same experts for every token. The warning goes to the log, genba doctor and the statistics export. 0: never warn.</translation>
    </message>
    <message>
        <source>Reserved memory</source>
        <translation>Reserved memory</translation>
    </message>
    <message>
        <source>Memory kept free for other programs; genba never plans to use it.</source>
        <translation>Memory kept free for other programs; genba never plans to use it.</translation>
    </message>
    <message>
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <source>Maximum context</source>
        <translation>Maximum context</translation>
    </message>
    <message>
        <source>Largest context (prompt + answer) genba runs locally. 0: as large as the model and free memory allow.</source>
        <translation>Largest context (prompt + answer) genba runs locally. 0: as large as the model and free memory allow.</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>tokens</translation>
    </message>
    <message>
        <source>Minimum speed</source>
        <translation>Minimum speed</translation>
    </message>
    <message>
        <source>Below this decoding speed genba uses fewer experts, then the remote server if allowed. 0: never react to speed.</source>
        <translation>Below this decoding speed genba uses fewer experts, then the remote server if allowed. 0: never react to speed.</translation>
    </message>
    <message>
        <source>tokens/s</source>
        <translation>tokens/s</translation>
    </message>
    <message>
        <source>On battery</source>
        <translation>On battery</translation>
    </message>
    <message>
        <source>On battery power: keep working as usual, use fewer experts, or prefer the remote server (when fallback is enabled).</source>
        <translation>On battery power: keep working as usual, use fewer experts, or prefer the remote server (when fallback is enabled).</translation>
    </message>
    <message>
        <source>keep</source>
        <translation>Keep working as usual</translation>
    </message>
    <message>
        <source>fewer_experts</source>
        <translation>Fewer experts</translation>
    </message>
    <message>
        <source>remote</source>
        <translation>Prefer remote server</translation>
    </message>
    <message>
        <source>Remote fallback</source>
        <translation>Remote fallback</translation>
    </message>
    <message>
        <source>Questions may go to the remote server when the PC cannot answer them well (low memory, too slow, context too long).</source>
        <translation>Questions may go to the remote server when the PC cannot answer them well (low memory, too slow, context too long).</translation>
    </message>
    <message>
        <source>Remote server URL</source>
        <translation>Remote server URL</translation>
    </message>
    <message>
        <source>Base URL of an OpenAI-compatible server (llama.cpp server, vLLM, Ollama), e.g. https://llm.example.com/v1. Empty: no remote server. Never put a password here; the token lives in the OS keyring.</source>
        <translation>Base URL of an OpenAI-compatible server (llama.cpp server, vLLM, Ollama), e.g. https://llm.example.com/v1. Empty: no remote server. Never put a password here; the token lives in the OS keyring.</translation>
    </message>
    <message>
        <source>Remote model</source>
        <translation>Remote model</translation>
    </message>
    <message>
        <source>Model name sent to the remote server. Empty: the server&apos;s default model.</source>
        <translation>Model name sent to the remote server. Empty: the server&apos;s default model.</translation>
    </message>
    <message>
        <source>Remote CA bundle</source>
        <translation>Remote CA bundle</translation>
    </message>
    <message>
        <source>Extra CA certificates (PEM) trusted for the remote server, in addition to the system trust store. Empty: the system trust store only.</source>
        <translation>Extra CA certificates (PEM) trusted for the remote server, in addition to the system trust store. Empty: the system trust store only.</translation>
    </message>
    <message>
        <source>Remote timeout</source>
        <translation>Remote timeout</translation>
    </message>
    <message>
        <source>Longest wait for the remote server to answer before genba answers locally.</source>
        <translation>Longest wait for the remote server to answer before genba answers locally.</translation>
    </message>
    <message>
        <source>s</source>
        <translation>s</translation>
    </message>
    <message>
        <source>Remote when local fails</source>
        <translation>Remote when local fails</translation>
    </message>
    <message>
        <source>When the local model fails (cannot load, out of memory, crashed), retry the question on the remote server. Needs fallback.enabled.</source>
        <translation>When the local model fails (cannot load, out of memory, crashed), retry the question on the remote server. Needs fallback.enabled.</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Proxy for every connection genba makes, e.g. http://proxy.example.com:8080. Empty: the system&apos;s proxy environment variables, if any.</source>
        <translation>Proxy for every connection genba makes, e.g. http://proxy.example.com:8080. Empty: the system&apos;s proxy environment variables, if any.</translation>
    </message>
    <message>
        <source>Force offline</source>
        <translation>Force offline</translation>
    </message>
    <message>
        <source>Never use the network: no remote fallback, no update checks.</source>
        <translation>Never use the network: no remote fallback, no update checks.</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>Updates</translation>
    </message>
    <message>
        <source>Check for and download signed model updates in the background.</source>
        <translation>Check for and download signed model updates in the background.</translation>
    </message>
    <message>
        <source>Update repository</source>
        <translation>Update repository</translation>
    </message>
    <message>
        <source>Where signed updates come from (a static HTTPS host or a Hugging Face repo). Every file is verified against the trusted root before use.</source>
        <translation>Where signed updates come from (a static HTTPS host or a Hugging Face repo). Every file is verified against the trusted root before use.</translation>
    </message>
    <message>
        <source>Trusted root</source>
        <translation>Trusted root</translation>
    </message>
    <message>
        <source>TUF root metadata (root.json) that update signatures must chain to. Empty: the root built into genba.</source>
        <translation>TUF root metadata (root.json) that update signatures must chain to. Empty: the root built into genba.</translation>
    </message>
    <message>
        <source>Check interval</source>
        <translation>Check interval</translation>
    </message>
    <message>
        <source>Hours between update checks.</source>
        <translation>Hours between update checks.</translation>
    </message>
    <message>
        <source>h</source>
        <translation>h</translation>
    </message>
    <message>
        <source>Update window</source>
        <translation>Update window</translation>
    </message>
    <message>
        <source>Local time window for downloading and applying updates, e.g. &quot;22:00-05:00&quot; (may cross midnight). Empty: any time.</source>
        <translation>Local time window for downloading and applying updates, e.g. &quot;22:00-05:00&quot; (may cross midnight). Empty: any time.</translation>
    </message>
    <message>
        <source>Apply automatically</source>
        <translation>Apply automatically</translation>
    </message>
    <message>
        <source>Switch to a verified update at the next idle moment without asking. Off: the operator or `genba update apply` switches.</source>
        <translation>Switch to a verified update at the next idle moment without asking. Off: the operator or `genba update apply` switches.</translation>
    </message>
    <message>
        <source>Operator may apply updates</source>
        <translation>Operator may apply updates</translation>
    </message>
    <message>
        <source>When updates are not applied automatically, the operator may switch to a verified update from the window (the &quot;Apply now&quot; button). Off: only IT or the update service switches.</source>
        <translation>When updates are not applied automatically, the operator may switch to a verified update from the window (the &quot;Apply now&quot; button). Off: only IT or the update service switches.</translation>
    </message>
    <message>
        <source>Offline bundles</source>
        <translation>Offline bundles</translation>
    </message>
    <message>
        <source>Updates may be imported from an offline bundle (USB). Bundles are verified like downloads.</source>
        <translation>Updates may be imported from an offline bundle (USB). Bundles are verified like downloads.</translation>
    </message>
    <message>
        <source>Site pack</source>
        <translation>Site pack</translation>
    </message>
    <message>
        <source>The site pack this PC follows: a smaller copy of the model that keeps only the experts this site uses, published by IT under this name. Empty: the full model.</source>
        <translation>The site pack this PC follows: a smaller copy of the model that keeps only the experts this site uses, published by IT under this name. Empty: the full model.</translation>
    </message>
    <message>
        <source>If the site pack is missing</source>
        <translation>If the site pack is missing</translation>
    </message>
    <message>
        <source>When the site pack is not published on the update server: full (update the full model instead) or none (keep the current model).</source>
        <translation>When the site pack is not published on the update server: full (update the full model instead) or none (keep the current model).</translation>
    </message>
    <message>
        <source>full</source>
        <translation>full</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Document packs</source>
        <translation>Document packs</translation>
    </message>
    <message>
        <source>Document packs this PC follows: signed sets of site documents published by IT under these names, installed by genba update and indexed like docs.folders.</source>
        <translation>Document packs this PC follows: signed sets of site documents published by IT under these names, installed by genba update and indexed like docs.folders.</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Keep a history of questions and answers on this PC.</source>
        <translation>Keep a history of questions and answers on this PC.</translation>
    </message>
    <message>
        <source>Keep history</source>
        <translation>Keep history</translation>
    </message>
    <message>
        <source>Delete history entries older than this. 0: keep forever.</source>
        <translation>Delete history entries older than this. 0: keep forever.</translation>
    </message>
    <message>
        <source>days</source>
        <translation>days</translation>
    </message>
    <message>
        <source>Allow export</source>
        <translation>Allow export</translation>
    </message>
    <message>
        <source>Operators may export conversations to Markdown or JSON files.</source>
        <translation>Operators may export conversations to Markdown or JSON files.</translation>
    </message>
    <message>
        <source>Local metrics</source>
        <translation>Local metrics</translation>
    </message>
    <message>
        <source>Record pilot metrics of every answer on this PC (route, experts, times, tokens, CPU time, energy), never question or answer text. Nothing is sent: IT collects them with genba pilot export.</source>
        <translation>Record pilot metrics of every answer on this PC (route, experts, times, tokens, CPU time, energy), never question or answer text. Nothing is sent: IT collects them with genba pilot export.</translation>
    </message>
    <message>
        <source>Watts per busy core</source>
        <translation>Watts per busy core</translation>
    </message>
    <message>
        <source>Power one fully busy CPU core draws, for the energy estimate (CPU time × watts) on PCs without an energy counter (RAPL or a discharging battery).</source>
        <translation>Power one fully busy CPU core draws, for the energy estimate (CPU time × watts) on PCs without an energy counter (RAPL or a discharging battery).</translation>
    </message>
    <message>
        <source>W</source>
        <translation>W</translation>
    </message>
    <message>
        <source>Pilot site</source>
        <translation>Pilot site</translation>
    </message>
    <message>
        <source>Name of the site this PC belongs to, written into its pilot export so that genba pilot merge reports per site. Empty: the PC&apos;s network name.</source>
        <translation>Name of the site this PC belongs to, written into its pilot export so that genba pilot merge reports per site. Empty: the PC&apos;s network name.</translation>
    </message>
    <message>
        <source>Instructions for the model</source>
        <translation>Instructions for the model</translation>
    </message>
    <message>
        <source>Instructions given to the model before every conversation, locally and on the remote server, e.g. &quot;Answer briefly, in numbered steps.&quot; Never shown in the chat or stored in the history. Empty: none.</source>
        <translation>Instructions given to the model before every conversation, locally and on the remote server, e.g. &quot;Answer briefly, in numbered steps.&quot; Never shown in the chat or stored in the history. Empty: none.</translation>
    </message>
    <message>
        <source>Example questions</source>
        <translation>Example questions</translation>
    </message>
    <message>
        <source>Example questions shown on the welcome page of an empty chat, which the operator can pick. Used in every language unless a language has its own list. Empty: genba&apos;s built-in examples.</source>
        <translation>Example questions shown on the welcome page of an empty chat, which the operator can pick. Used in every language unless a language has its own list. Empty: genba&apos;s built-in examples.</translation>
    </message>
    <message>
        <source>Example questions (Japanese)</source>
        <translation>Example questions (Japanese)</translation>
    </message>
    <message>
        <source>Example questions for the Japanese window; they replace assistant.example_prompts there. Empty: assistant.example_prompts.</source>
        <translation>Example questions for the Japanese window; they replace assistant.example_prompts there. Empty: assistant.example_prompts.</translation>
    </message>
    <message>
        <source>Document folders</source>
        <translation>Document folders</translation>
    </message>
    <message>
        <source>Folders of site documents (work instructions, manuals, standards: PDF, Word, Markdown, text, HTML) that genba indexes on this PC and answers from, with the document and page shown under each answer. Local folders or mounted shares.</source>
        <translation>Folders of site documents (work instructions, manuals, standards: PDF, Word, Markdown, text, HTML) that genba indexes on this PC and answers from, with the document and page shown under each answer. Local folders or mounted shares.</translation>
    </message>
    <message>
        <source>Allow own document folders</source>
        <translation>Allow own document folders</translation>
    </message>
    <message>
        <source>Let operators add their own document folders (docs.personal_folders) to the index.</source>
        <translation>Let operators add their own document folders (docs.personal_folders) to the index.</translation>
    </message>
    <message>
        <source>My document folders</source>
        <translation>My document folders</translation>
    </message>
    <message>
        <source>The operator&apos;s own document folders, indexed with the site&apos;s when docs.allow_personal is on.</source>
        <translation>The operator&apos;s own document folders, indexed with the site&apos;s when docs.allow_personal is on.</translation>
    </message>
    <message>
        <source>Answers from documents</source>
        <translation>Answers from documents</translation>
    </message>
    <message>
        <source>How answers use the documents: use (give the model the passages found and show their sources), require (answer only from the documents; when nothing is found, say so instead of asking the model) or off.</source>
        <translation>How answers use the documents: use (give the model the passages found and show their sources), require (answer only from the documents; when nothing is found, say so instead of asking the model) or off.</translation>
    </message>
    <message>
        <source>use</source>
        <translation>use</translation>
    </message>
    <message>
        <source>require</source>
        <translation>require</translation>
    </message>
    <message>
        <source>off</source>
        <translation>off</translation>
    </message>
    <message>
        <source>Passages per question</source>
        <translation>Passages per question</translation>
    </message>
    <message>
        <source>The most passages given to the model with a question (fewer when the context is short).</source>
        <translation>The most passages given to the model with a question (fewer when the context is short).</translation>
    </message>
    <message>
        <source>Largest document</source>
        <translation>Largest document</translation>
    </message>
    <message>
        <source>Documents larger than this are not indexed (the index says so).</source>
        <translation>Documents larger than this are not indexed (the index says so).</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Language of the window: Japanese, English, or the system&apos;s language.</source>
        <translation>Language of the window: Japanese, English, or the system&apos;s language.</translation>
    </message>
    <message>
        <source>ja</source>
        <translation>日本語 (Japanese)</translation>
    </message>
    <message>
        <source>en</source>
        <translation>English</translation>
    </message>
    <message>
        <source>system</source>
        <translation>System language</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>Text size</translation>
    </message>
    <message>
        <source>Text size in percent of the system size.</source>
        <translation>Text size in percent of the system size.</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>High contrast</translation>
    </message>
    <message>
        <source>High-contrast colours.</source>
        <translation>High-contrast colours.</translation>
    </message>
    <message>
        <source>Status details</source>
        <translation>Status details</translation>
    </message>
    <message>
        <source>Show the status details under the window (model, experts, route, speed, memory) instead of only the plain status line.</source>
        <translation>Show the status details under the window (model, experts, route, speed, memory) instead of only the plain status line.</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Active experts</source>
        <translation>Active experts</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>Speed of the last answer</source>
        <translation>Speed of the last answer</translation>
    </message>
    <message>
        <source>Memory in use</source>
        <translation>Memory in use</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Network</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>Updates</translation>
    </message>
    <message>
        <source>Apply now</source>
        <translation>Apply now</translation>
    </message>
    <message>
        <source>Switch to the new model now</source>
        <translation>Switch to the new model now</translation>
    </message>
    <message>
        <source>Switch to the new model now; it is used from the next answer</source>
        <translation>Switch to the new model now; it is used from the next answer</translation>
    </message>
    <message>
        <source>Model: {name}</source>
        <translation>Model: {name}</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>No model loaded</translation>
    </message>
    <message>
        <source>Hide details</source>
        <translation>Hide details</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Status details</source>
        <translation>Status details</translation>
    </message>
    <message>
        <source>Show or hide the details: model, experts, route, speed, memory</source>
        <translation>Show or hide the details: model, experts, route, speed, memory</translation>
    </message>
    <message>
        <source>site pack {name} ({k} of {e} experts)</source>
        <translation>site pack {name} ({k} of {e} experts)</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Loading the model…</translation>
    </message>
    <message>
        <source>No model is ready</source>
        <translation>No model is ready</translation>
    </message>
    <message>
        <source>Ready · on this PC · offline</source>
        <translation>Ready · on this PC · offline</translation>
    </message>
    <message>
        <source>Ready · on this PC · site server available</source>
        <translation>Ready · on this PC · site server available</translation>
    </message>
    <message>
        <source>Ready · on this PC</source>
        <translation>Ready · on this PC</translation>
    </message>
    <message>
        <source>Answering…</source>
        <translation>Answering…</translation>
    </message>
    <message>
        <source>Answering on this PC…</source>
        <translation>Answering on this PC…</translation>
    </message>
    <message>
        <source>The answer could not be finished — see the message in the chat</source>
        <translation>The answer could not be finished — see the message in the chat</translation>
    </message>
    <message>
        <source>Answer stopped</source>
        <translation>Answer stopped</translation>
    </message>
    <message>
        <source>Not answered — see the message in the chat</source>
        <translation>Not answered — see the message in the chat</translation>
    </message>
    <message>
        <source>Answered on this PC</source>
        <translation>Answered on this PC</translation>
    </message>
    <message>
        <source>Answered by the site server because {cause}</source>
        <translation>Answered by the site server because {cause}</translation>
    </message>
    <message>
        <source>Answered by the site server</source>
        <translation>Answered by the site server</translation>
    </message>
    <message>
        <source>Experts: –</source>
        <translation>Experts: –</translation>
    </message>
    <message>
        <source>Shown after the first answer</source>
        <translation>Shown after the first answer</translation>
    </message>
    <message>
        <source>Route: –</source>
        <translation>Route: –</translation>
    </message>
    <message>
        <source>Experts: {n} ({why})</source>
        <translation>Experts: {n} ({why})</translation>
    </message>
    <message>
        <source>local</source>
        <translation>local</translation>
    </message>
    <message>
        <source>remote</source>
        <translation>remote</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Route: {route}</source>
        <translation>Route: {route}</translation>
    </message>
    <message>
        <source>first token {s:.2f} s</source>
        <translation>first token {s:.2f} s</translation>
    </message>
    <message>
        <source>{v:.1f} tokens/s</source>
        <translation>{v:.1f} tokens/s</translation>
    </message>
    <message>
        <source>Network: offline mode</source>
        <translation>Network: offline mode</translation>
    </message>
    <message>
        <source>Site server: not set up</source>
        <translation>Site server: not set up</translation>
    </message>
    <message>
        <source>Site server: available</source>
        <translation>Site server: available</translation>
    </message>
    <message>
        <source>Memory: {mb} MB</source>
        <translation>Memory: {mb} MB</translation>
    </message>
</context>
<context>
    <name>TokenStore</name>
    <message>
        <source>Only {backend} was found. genba never keeps a token in a plain file and uses the remote server without one. Install or unlock the system keyring (Windows Credential Manager, macOS Keychain, or a Secret Service such as GNOME Keyring or KWallet).</source>
        <translation>Only {backend} was found. genba never keeps a token in a plain file and uses the remote server without one. Install or unlock the system keyring (Windows Credential Manager, macOS Keychain, or a Secret Service such as GNOME Keyring or KWallet).</translation>
    </message>
</context>
<context>
    <name>UpdateStatus</name>
    <message>
        <source>Checking for model updates…</source>
        <translation>Checking for model updates…</translation>
    </message>
    <message>
        <source>Downloading model update: {pct} %</source>
        <translation>Downloading model update: {pct} %</translation>
    </message>
    <message>
        <source>Switching to the new model…</source>
        <translation>Switching to the new model…</translation>
    </message>
    <message>
        <source>Downloading model update…</source>
        <translation>Downloading model update…</translation>
    </message>
    <message>
        <source>Model update {version} is ready</source>
        <translation>Model update {version} is ready</translation>
    </message>
    <message>
        <source>Model update {version} is ready; IT will switch to it</source>
        <translation>Model update {version} is ready; IT will switch to it</translation>
    </message>
    <message>
        <source>Another model update is running; try again in a minute</source>
        <translation>Another model update is running; try again in a minute</translation>
    </message>
    <message>
        <source>New model ready; it is used from the next answer</source>
        <translation>New model ready; it is used from the next answer</translation>
    </message>
    <message>
        <source>Automatic model updates are not set up on this PC — ask IT</source>
        <translation>Automatic model updates are not set up on this PC — ask IT</translation>
    </message>
    <message>
        <source>Automatic model updates are not working on this PC — ask IT</source>
        <translation>Automatic model updates are not working on this PC — ask IT</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>How do I check a torque wrench before use?</source>
        <translation>How do I check a torque wrench before use?</translation>
    </message>
    <message>
        <source>Explain lockout-tagout in simple numbered steps.</source>
        <translation>Explain lockout-tagout in simple numbered steps.</translation>
    </message>
    <message>
        <source>What should I check on a machine at the start of a shift?</source>
        <translation>What should I check on a machine at the start of a shift?</translation>
    </message>
    <message>
        <source>Write a short handover note for the next shift.</source>
        <translation>Write a short handover note for the next shift.</translation>
    </message>
    <message>
        <source>Put this question in the message box</source>
        <translation>Put this question in the message box</translation>
    </message>
    <message>
        <source>Ask about your work</source>
        <translation>Ask about your work</translation>
    </message>
    <message>
        <source>genba answers questions about your work (procedures, checks, tools, handovers) on this PC. Type a question below, or pick an example.</source>
        <translation>genba answers questions about your work (procedures, checks, tools, handovers) on this PC. Type a question below, or pick an example.</translation>
    </message>
    <message>
        <source>Answers can be wrong. Always check them against your work instructions before you act.</source>
        <translation>Answers can be wrong. Always check them against your work instructions before you act.</translation>
    </message>
    <message>
        <source>&amp;Examples:</source>
        <translation>&amp;Examples:</translation>
    </message>
    <message>
        <source>Example questions</source>
        <translation>Example questions</translation>
    </message>
    <message>
        <source>Press Enter to put the selected question in the message box.</source>
        <translation>Press Enter to put the selected question in the message box.</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>&amp;Chat</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Language</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>&amp;New chat</translation>
    </message>
    <message>
        <source>&amp;Export conversation…</source>
        <translation>&amp;Export conversation…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Settings…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>&amp;Send</translation>
    </message>
    <message>
        <source>S&amp;top answering</source>
        <translation>S&amp;top answering</translation>
    </message>
    <message>
        <source>&amp;Regenerate answer</source>
        <translation>&amp;Regenerate answer</translation>
    </message>
    <message>
        <source>&amp;Copy answer</source>
        <translation>&amp;Copy answer</translation>
    </message>
    <message>
        <source>C&amp;ontinue answer</source>
        <translation>C&amp;ontinue answer</translation>
    </message>
    <message>
        <source>&amp;Edit and resend last question</source>
        <translation>&amp;Edit and resend last question</translation>
    </message>
    <message>
        <source>&amp;Previous version of the answer</source>
        <translation>&amp;Previous version of the answer</translation>
    </message>
    <message>
        <source>Ne&amp;xt version of the answer</source>
        <translation>Ne&amp;xt version of the answer</translation>
    </message>
    <message>
        <source>&amp;Focus message box</source>
        <translation>&amp;Focus message box</translation>
    </message>
    <message>
        <source>Search &amp;conversations</source>
        <translation>Search &amp;conversations</translation>
    </message>
    <message>
        <source>Rena&amp;me conversation…</source>
        <translation>Rena&amp;me conversation…</translation>
    </message>
    <message>
        <source>&amp;Delete conversation</source>
        <translation>&amp;Delete conversation</translation>
    </message>
    <message>
        <source>&amp;Larger text</source>
        <translation>&amp;Larger text</translation>
    </message>
    <message>
        <source>&amp;Smaller text</source>
        <translation>&amp;Smaller text</translation>
    </message>
    <message>
        <source>&amp;High contrast</source>
        <translation>&amp;High contrast</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Keyboard shortcuts</translation>
    </message>
    <message>
        <source>&amp;About genba</source>
        <translation>&amp;About genba</translation>
    </message>
    <message>
        <source>&amp;Pilot report…</source>
        <translation>&amp;Pilot report…</translation>
    </message>
    <message>
        <source>Building the pilot report…</source>
        <translation>Building the pilot report…</translation>
    </message>
    <message>
        <source>Pilot report (unavailable: metrics are turned off)</source>
        <translation>Pilot report (unavailable: metrics are turned off)</translation>
    </message>
</context>
</TS>
