/* The DOM helpers both pages use. Text is always set as text (textContent), never parsed as HTML. */

/** The element with this id. */
export function $(id) {
  return document.getElementById(id);
}

/** Hyperscript: el("a", { href, text, onclick }, ...children). Children may be nested arrays; null, undefined
 * and false props or children are skipped. */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Chinese first, English beside: the nodes of "中文 <span class=en>English</span>". */
export function bi(zh, en) {
  return [`${zh} `, el("span", { class: "en", text: en })];
}

export function show(node, visible) {
  node.hidden = !visible;
}

/** Put a message in a box and show the box, or hide it when the text is empty. */
export function say(node, text) {
  node.textContent = text;
  node.hidden = !text;
}
