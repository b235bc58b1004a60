// The conversation kept in localStorage: Rasa's socket.io channel does not
// replay history, so a reload redraws it from here and resumes the session.

const SESSION_KEY = "pathwise.session_id";
const HISTORY_KEY = "pathwise.history";
const LIMIT = 200;

function storage() {
  try {
    const store = window.localStorage;
    store.getItem(HISTORY_KEY);
    return store;
  } catch {
    return null; // storage disabled: the chat still works, it just isn't kept
  }
}

/** Entries this widget wrote; anything else in storage (older formats, edits) is dropped. */
function isEntry(entry) {
  if (!entry || typeof entry !== "object") return false;
  if (entry.kind === "text") return typeof entry.text === "string";
  if (entry.kind === "cards") return Array.isArray(entry.cards);
  if (entry.kind === "quick_replies") return Array.isArray(entry.replies);
  return false;
}

export class History {
  constructor() {
    this.store = storage();
    this.session = null; // kept here too, for browsers that refuse storage
    this.entries = this.read();
  }

  read() {
    try {
      const entries = JSON.parse(this.store?.getItem(HISTORY_KEY) ?? "[]");
      return Array.isArray(entries) ? entries.filter(isEntry) : [];
    } catch {
      return []; // unreadable history: start a fresh page, keep the session
    }
  }

  save() {
    try {
      this.store?.setItem(HISTORY_KEY, JSON.stringify(this.entries));
    } catch {
      // quota exceeded: keep the history in memory only
    }
  }

  add(entry) {
    this.entries.push(entry);
    this.entries.splice(0, Math.max(0, this.entries.length - LIMIT));
    this.save();
  }

  /** Quick replies answer one turn only; after the learner speaks they are spent. */
  spendQuickReplies() {
    for (const entry of this.entries) if (entry.kind === "quick_replies") entry.spent = true;
    this.save();
  }

  get sessionId() {
    return this.store?.getItem(SESSION_KEY) || this.session;
  }

  set sessionId(value) {
    this.session = value;
    try {
      this.store?.setItem(SESSION_KEY, value);
    } catch {
      // quota exceeded: the session lasts as long as the page
    }
  }

  clear() {
    this.session = null;
    this.entries = [];
    this.store?.removeItem(HISTORY_KEY);
    this.store?.removeItem(SESSION_KEY);
  }
}
