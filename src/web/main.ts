import "./styles.css";
import { ChatController } from "./chat-controller.js";
import { createHighlighter } from "./code-highlight.js";
import { ConversationApi } from "./conversation-api.js";
import { ConversationSidebar } from "./conversation-sidebar.js";
import { DialogViewer } from "./fullsize-viewer.js";
import { GatewayClient, localStorageKeys, type KeyStore } from "./gateway-client.js";
import { createMarkdownRenderer } from "./markdown-html.js";
import { MermaidRenderer } from "./mermaid-renderer.js";
import { WARM_UP_MARKDOWN, warmUpWhenIdle } from "./warm-up.js";
import { createWorkerHighlighter } from "./worker-highlighter.js";
import { ModelPicker } from "./model-picker.js";
import { pageElements, type PageElements } from "./page-elements.js";
import { quotaFromState, type FamilyState } from "./quota.js";
import { ResponsesSocket } from "./responses-socket.js";
import { SocketChat } from "./socket-chat.js";
import { StatsBar } from "./stats-bar.js";
import { ThemeSwitch } from "./theme.js";

/** Wires the page: every part gets what it needs here; nothing is global. */

function askForKey(page: PageElements, keys: KeyStore, then: () => void): void {
  if (page.keyDialog.open) return;
  page.keyInput.value = keys.get() ?? "";
  page.keyDialog.returnValue = "";
  page.keyDialog.showModal();
  page.keyDialog.addEventListener(
    "close",
    () => {
      if (page.keyDialog.returnValue === "save") {
        keys.set(page.keyInput.value.trim() || undefined);
        then();
      }
    },
    { once: true },
  );
}

function wireComposer(page: PageElements, chat: ChatController): void {
  const submit = () => {
    const text = page.input.value.trim();
    if (text === "") return;
    page.input.value = "";
    void chat.send(text);
  };
  page.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  page.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  page.stopButton.addEventListener("click", () => void chat.stop());
}

/** On a phone the conversation list covers the chat: it closes once used. */
function closePhoneSidebar(page: PageElements): void {
  if (!page.sidebar.classList.contains("open")) return;
  page.sidebar.classList.remove("open");
  page.sidebarToggle.setAttribute("aria-expanded", "false");
}

function wireShortcuts(page: PageElements, chat: ChatController, models: ModelPicker): void {
  document.addEventListener("keydown", (event) => {
    // Esc stops the answer (and closes the conversation list on a phone), unless it is closing a dialog.
    if (event.key === "Escape" && !page.keyDialog.open && !page.fullsizeDialog.open) {
      void chat.stop();
      closePhoneSidebar(page);
    }
    if (event.altKey && (event.key === "m" || event.key === "µ")) {
      event.preventDefault();
      models.flip();
    }
  });
  // On a phone the list overlays the chat and starts closed; on a wide screen it sits beside it, open.
  const phone = window.matchMedia("(max-width: 700px)");
  const syncExpanded = () => page.sidebarToggle.setAttribute("aria-expanded", String(phone.matches ? page.sidebar.classList.contains("open") : !page.sidebar.classList.contains("collapsed")));
  page.sidebarToggle.addEventListener("click", () => {
    page.sidebar.classList.toggle(phone.matches ? "open" : "collapsed");
    syncExpanded();
  });
  phone.addEventListener("change", syncExpanded);
  syncExpanded();
}

/** Both families' buckets (fast and standard), read without charging, beside each other in the stats bar. */
async function loadQuotas(client: GatewayClient, stats: StatsBar): Promise<void> {
  const { data } = await client.json<{ data: FamilyState[] }>("/v1/spark/quota");
  for (const family of data) stats.showQuota(quotaFromState(family));
}

/**
 * Where the worker cannot run, blocks are highlighted on the main thread only up to this length: on some
 * inputs highlight.js's time grows quadratically (4 KB: 100-280 ms), and there it would freeze the page.
 */
const MAIN_THREAD_MAX_CHARS = 2_000;

function start(): void {
  const page = pageElements();
  const keys = localStorageKeys(window.localStorage);
  const client = new GatewayClient(keys);
  const conversations = new ConversationApi(client);
  const theme = new ThemeSwitch(window.localStorage, page.themeToggle);
  const models = new ModelPicker(page.modelSelect, page.modelToggle, window.localStorage);
  const status = (text: string) => (page.statusLine.textContent = text);
  const toNodes = createMarkdownRenderer();
  const highlightCode = createWorkerHighlighter(createHighlighter(MAIN_THREAD_MAX_CHARS));
  // The sidebar and the chat refer to each other; both closures run only after start() has built both.
  const sidebar = new ConversationSidebar({ list: page.conversationList, search: page.conversationSearch, more: page.conversationMore }, conversations, {
    open: (id) => {
      closePhoneSidebar(page);
      chat.open(id).then(refresh, (error: unknown) => status(String(error)));
    },
    deleted: (id) => {
      if (chat.currentConversation === id) void chat.startNew();
    },
    failed: status,
  });
  const stats = new StatsBar(page.statTtft, page.statSpeed, page.statQuota);
  models.onChange((family) => stats.markFamily(family));
  const quotas = () => void loadQuotas(client, stats).catch(() => undefined);
  let busy = false;
  // Reloading or leaving while an answer streams would lose its unsaved part: the browser asks first.
  window.addEventListener("beforeunload", (event) => {
    if (busy) event.preventDefault();
  });
  const refresh = () => void sidebar.refresh(chat.currentConversation).catch((error: unknown) => status(String(error)));
  const load = () => {
    models.load(client).then(() => {
      refresh();
      quotas();
    }, (error: unknown) => {
      status(error instanceof Error ? error.message : String(error));
      if ((error as { status?: number }).status === 401) askForKey(page, keys, load);
    });
  };
  // Turns go over the gateway's Responses WebSocket (redirects steer), else over HTTP.
  const socket = new ResponsesSocket({ url: `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/v1/responses`, key: () => keys.get() });
  const chat = new ChatController({
    transport: new SocketChat(client, socket),
    conversations,
    transcript: page.transcript,
    stats,
    render: {
      toNodes,
      highlight: highlightCode,
      mermaid: new MermaidRenderer(() => theme.current()),
      theme: () => theme.current(),
      viewer: new DialogViewer(page.fullsizeDialog, page.fullsizeStage, page.fullsizeTitle, page.fullsizeClose),
    },
    model: () => models.current(),
    onBusy: (now) => {
      busy = now;
      page.stopButton.disabled = !now;
      document.body.dataset.busy = String(now);
      if (!now) quotas();
    },
    onSaved: refresh,
    onStatus: status,
    onNeedKey: () => askForKey(page, keys, load),
  });
  theme.onChange(() => chat.redraw());
  page.newConversation.addEventListener("click", () => {
    closePhoneSidebar(page);
    void chat.startNew().then(refresh);
    page.input.focus();
  });
  page.keyButton.addEventListener("click", () => askForKey(page, keys, load));
  page.keyCancel.addEventListener("click", () => page.keyDialog.close("cancel"));
  wireComposer(page, chat);
  wireShortcuts(page, chat, models);
  load();
  page.input.focus();
  const renderSample = () => void toNodes(WARM_UP_MARKDOWN);
  // The highlighting worker starts too, and compiles its languages on its own thread.
  warmUpWhenIdle([renderSample, renderSample, () => void highlightCode("", "")]);
}

start();
