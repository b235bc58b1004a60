// The chat widget: socket.io to Rasa's socketio channel (events user_uttered
// / bot_uttered, session persistence), history kept across page reloads.
import { History } from "./history.js";
import { courseCards, quickReplies, textBubble } from "./render.js";

const ANSWER_TIMEOUT_MS = 30000;

const log = document.getElementById("log");
const statusLine = document.getElementById("status");
const typing = document.getElementById("typing");
const form = document.getElementById("composer");
const input = document.getElementById("message");
const history = new History();

let socket = null;
let ready = false; // connected and joined to our session's room
const pending = []; // messages typed while not ready, sent on session_confirm
let answerTimer = null;
let problem = null; // what went wrong with the connection, null before the first try

function setStatus(text) {
  statusLine.textContent = text;
  statusLine.hidden = !text;
}

/** The notice while offline: what went wrong, and what happens to typed messages. */
function offline(what) {
  problem = what;
  ready = false;
  setTyping(false);
  const waiting = pending.length ? " Your message will be sent when the connection is back." : "";
  setStatus((problem ? `${problem} Reconnecting…` : "Connecting…") + waiting);
}

function setTyping(on) {
  typing.hidden = !on;
  clearTimeout(answerTimer);
  if (on) {
    answerTimer = setTimeout(() => {
      typing.hidden = true;
      setStatus("No answer yet: the assistant may be busy. Please try again in a moment.");
    }, ANSWER_TIMEOUT_MS);
  }
}

function draw(entry) {
  if (entry.kind === "text") log.append(textBubble(entry.role === "user" ? "user" : "bot", entry.text));
  else if (entry.kind === "cards") log.append(courseCards(entry.cards));
  else if (entry.kind === "quick_replies") log.append(quickReplies(entry.replies, choose, entry.spent));
  else return;
  log.lastElementChild.scrollIntoView({ block: "end" });
}

function show(entry) {
  history.add(entry);
  draw(entry);
}

function spendQuickReplies() {
  history.spendQuickReplies();
  for (const button of log.querySelectorAll(".quick-replies__button")) button.disabled = true;
}

/** Send `message` to Rasa, showing `shown` (a button's title) as the learner's words. */
function send(message, shown = message) {
  if (typeof message !== "string" || !message.trim()) return;
  spendQuickReplies();
  show({ kind: "text", role: "user", text: String(shown) });
  if (ready) emit(message);
  else {
    pending.push(message);
    offline(problem);
  }
}

function emit(message) {
  socket.emit("user_uttered", { message, session_id: history.sessionId });
  setTyping(true);
}

function choose(reply) {
  send(reply.payload, reply.title);
  input.focus();
}

/** Keep only what the widget knows how to show, in the shapes it expects. */
function entriesFrom(data) {
  if (!data || typeof data !== "object") return [];
  if (data.type === "course_cards" && Array.isArray(data.cards)) {
    return data.cards.length ? [{ kind: "cards", cards: data.cards }] : [];
  }
  const entries = [];
  if (typeof data.text === "string" && data.text) entries.push({ kind: "text", role: "bot", text: data.text });
  const replies = (Array.isArray(data.quick_replies) ? data.quick_replies : [])
    .filter((reply) => reply && typeof reply.title === "string")
    .map((reply) => ({ title: reply.title, payload: typeof reply.payload === "string" ? reply.payload : reply.title }));
  if (replies.length) entries.push({ kind: "quick_replies", replies, spent: false });
  return entries;
}

function connect(rasaPort) {
  const url = `${location.protocol}//${location.hostname}:${rasaPort}`;
  // WebSocket first (needs no CORS); long-polling if a proxy blocks WebSockets.
  socket = window.io(url, { transports: ["websocket", "polling"], tryAllTransports: true });
  socket.on("connect", () => socket.emit("session_request", { session_id: history.sessionId }));
  socket.on("session_confirm", (sessionId) => {
    if (typeof sessionId === "string" && sessionId) history.sessionId = sessionId;
    ready = true;
    setStatus("");
    for (const message of pending.splice(0)) emit(message);
  });
  socket.on("bot_uttered", (data) => {
    setTyping(false);
    if (ready) setStatus("");
    entriesFrom(data).forEach(show);
  });
  socket.on("disconnect", () => offline("Connection lost."));
  socket.on("connect_error", () => offline("Can't reach the assistant."));
}

async function start() {
  history.entries.forEach(draw);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value;
    input.value = "";
    send(message);
  });
  document.getElementById("start-over").addEventListener("click", () => {
    history.clear();
    location.reload();
  });
  if (typeof window.io !== "function") {
    setStatus("The chat could not load its connection library. Please reload the page.");
    return;
  }
  try {
    const response = await fetch("/config.json");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    connect((await response.json()).rasa_port);
  } catch {
    setStatus("Can't load the chat settings. Please reload the page.");
  }
}

start();
