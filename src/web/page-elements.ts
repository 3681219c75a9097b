/** The static elements of index.html, looked up once; a missing one is a build mistake, said plainly. */

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html lacks #${id} (a ${type.name}); rebuild the web UI.`);
  return element;
}

export function pageElements() {
  return {
    sidebar: byId("sidebar", HTMLElement),
    sidebarToggle: byId("sidebar-toggle", HTMLButtonElement),
    conversationList: byId("conversation-list", HTMLUListElement),
    conversationSearch: byId("conversation-search", HTMLInputElement),
    conversationMore: byId("conversation-more", HTMLButtonElement),
    newConversation: byId("new-conversation", HTMLButtonElement),
    modelSelect: byId("model-select", HTMLSelectElement),
    modelToggle: byId("model-toggle", HTMLButtonElement),
    keyButton: byId("key-button", HTMLButtonElement),
    themeToggle: byId("theme-toggle", HTMLButtonElement),
    statTtft: byId("stat-ttft", HTMLElement),
    statSpeed: byId("stat-speed", HTMLElement),
    statQuota: byId("stat-quota", HTMLElement),
    transcript: byId("transcript", HTMLDivElement),
    statusLine: byId("status-line", HTMLParagraphElement),
    composer: byId("composer", HTMLFormElement),
    input: byId("composer-input", HTMLTextAreaElement),
    stopButton: byId("stop-button", HTMLButtonElement),
    keyDialog: byId("key-dialog", HTMLDialogElement),
    keyForm: byId("key-form", HTMLFormElement),
    keyInput: byId("key-input", HTMLInputElement),
    keyCancel: byId("key-cancel", HTMLButtonElement),
    fullsizeDialog: byId("fullsize-dialog", HTMLDialogElement),
    fullsizeStage: byId("fullsize-stage", HTMLDivElement),
    fullsizeTitle: byId("fullsize-title", HTMLElement),
    fullsizeClose: byId("fullsize-close", HTMLButtonElement),
  };
}

export type PageElements = ReturnType<typeof pageElements>;
