// DOM for chat entries. Every string from Rasa or from storage goes in
// through textContent; links are kept only for http(s) URLs.

/** The URL if it is absolute http(s), else null (no javascript:, data:, …). */
export function safeUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function money(value) {
  const amount = Number(value);
  if (!Number.isFinite(amount)) return null;
  return "$" + (Number.isInteger(amount) ? amount : amount.toFixed(2));
}

/** Price line of a card: free, free to audit (+ certificate price), or paid. */
export function priceText(card) {
  if (card.price_kind === "free") return "Free";
  if (card.price_kind === "audit") {
    const certificate = money(card.certificate_price);
    return certificate ? `Free to audit · certificate ${certificate}` : "Free to audit";
  }
  return String(card.price ?? "");
}

/** A user or bot bubble. */
export function textBubble(role, text) {
  const item = element("li", `message message--${role}`);
  item.append(element("span", "visually-hidden", role === "user" ? "You said: " : "Pathwise said: "));
  item.append(element("p", "message__text", text));
  return item;
}

/** Quick-reply buttons; choose(reply) is called on click. Spent ones are disabled. */
export function quickReplies(replies, choose, spent) {
  const item = element("li", "quick-replies");
  const group = element("div", "quick-replies__group");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Suggested replies");
  for (const reply of replies.filter((choice) => choice && typeof choice === "object")) {
    const button = element("button", "quick-replies__button", reply.title);
    button.type = "button";
    button.disabled = Boolean(spent);
    button.addEventListener("click", () => choose(reply));
    group.append(button);
  }
  item.append(group);
  return item;
}

function courseCard(card) {
  const article = element("article", "card");
  article.append(element("h3", "card__title", card.title));
  if (card.institution) article.append(element("p", "card__institution", card.institution));
  const facts = element("dl", "card__facts");
  for (const [label, value] of [["Price", priceText(card)], ["Level", card.level], ["Effort", card.effort]]) {
    if (!value) continue;
    facts.append(element("dt", null, label), element("dd", null, value));
  }
  article.append(facts);
  if (card.reason) article.append(element("p", "card__reason", `Why: ${card.reason}`));
  const href = safeUrl(card.url);
  if (href) {
    const link = element("a", "card__link", "View course");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.setAttribute("aria-label", `View course: ${card.title ?? ""} (opens in a new tab)`);
    article.append(link);
  }
  return article;
}

/** A list of course cards as one chat entry. */
export function courseCards(entries) {
  const cards = entries.filter((card) => card && typeof card === "object");
  const item = element("li", "message message--bot message--cards");
  const list = element("ul", "cards");
  list.setAttribute("aria-label", `${cards.length} recommended course${cards.length === 1 ? "" : "s"}`);
  for (const card of cards) {
    const entry = element("li", "cards__item");
    entry.append(courseCard(card));
    list.append(entry);
  }
  item.append(list);
  return item;
}
