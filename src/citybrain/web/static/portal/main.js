/* CityBrain citizens' portal (市民诉求门户): tabs, the submit form, the follow view. Offline, no libraries.
   Everything the server sends is put on the page as text (textContent), never as HTML. */
import { setUpAnswers } from "./answers.js";
import { setUpFollow } from "./follow.js";
import { setUpPublic, showPublic } from "./public.js";
import { setUpSubmit } from "./submit.js";

const TABS = ["submit", "follow", "public", "supervise"];

function showTab(name) {
  if (name === "public") showPublic();
  for (const part of document.querySelectorAll("section.part")) part.hidden = part.id !== name;
  for (const link of document.querySelectorAll("nav.tabs a[data-tab]")) {
    link.classList.toggle("active", link.dataset.tab === name);
  }
}

function tabFromHash() {
  const name = (location.hash || "#submit").slice(1);
  showTab(TABS.includes(name) ? name : "submit");
}

document.body.classList.add("js");
tabFromHash();
window.addEventListener("hashchange", tabFromHash);
for (const link of document.querySelectorAll("nav.tabs a[data-tab]")) {
  link.addEventListener("click", () => showTab(link.dataset.tab));
}
setUpSubmit();
setUpAnswers();
setUpPublic();
setUpFollow(showTab);
