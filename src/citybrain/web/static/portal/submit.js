/* 我要反映 the submit form: the category's questions (Open311 services/{code}.json), the receipt. */
import { ApiError, request } from "../lib/api.js";
import { $, el, say } from "../lib/dom.js";
import { problemText } from "./messages.js";
import { rememberCode } from "./rating.js";

/** Which form field an error code of POST /portal/requests points at. */
const ERROR_FIELDS = {
  missing_service_code: "service_code",
  unknown_service: "service_code",
  missing_description: "description",
  invalid_description: "description",
  missing_location: "address_string",
  invalid_location: "lat",
  invalid_attribute: "attributes",
};

function markInvalid(form, field) {
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const node = field && $(field);
  if (node) {
    node.setAttribute("aria-invalid", "true");
    if (node.focus) node.focus();
  }
}

function attributeInput(attr) {
  const name = `attribute[${attr.code}]`;
  if (attr.datatype === "singlevaluelist") {
    const choices = attr.values.map((v) => el("option", { value: v.key, text: v.name }));
    return el("select", { name }, el("option", { value: "", text: "— 请选择 / choose —" }), choices);
  }
  if (attr.datatype === "multivaluelist") {
    const boxes = attr.values.map((v) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", name: `${name}[]`, value: v.key }), ` ${v.name}`),
    );
    return el("span", {}, boxes);
  }
  const input = el(attr.datatype === "text" ? "textarea" : "input", { name });
  if (attr.datatype === "number") input.inputMode = "decimal";
  if (attr.datatype === "datetime") input.type = "datetime-local";
  return input;
}

function renderAttributes(box, attributes) {
  box.replaceChildren();
  for (const attr of attributes.filter((a) => a.variable)) {
    const input = attributeInput(attr);
    input.id = `attribute-${attr.code}`;
    box.append(el("label", { for: input.id, text: attr.description + (attr.required ? " *" : "") }), input);
    if (attr.datatype_description) box.append(el("p", { class: "small", text: attr.datatype_description }));
  }
}

async function loadAttributes(select, box) {
  box.replaceChildren();
  const option = select.selectedOptions[0];
  if (option?.dataset.metadata !== "true") return;
  try {
    const service = await request("GET", `/open311/v2/services/${encodeURIComponent(option.value)}.json`);
    renderAttributes(box, service.attributes || []);
  } catch {
    /* the server will name a missing required answer on submit */
  }
}

/** A paragraph: a label, then the value in its own element (tag, id) so tests and readers can find it. */
function labelled(label, tag, id, value) {
  return el("p", {}, label, el(tag, { id, text: value }));
}

function receipt(box, body) {
  const parts = [
    labelled("已受理！您的诉求编号 / Received! Your request number: ", "strong", "result-id", body.service_request_id),
    body.token ? labelled("凭证 / Token: ", "code", "result-token", body.token) : null,
    labelled("查询码（仅显示这一次）/ Follow code (shown only this once): ", "code", "result-code", body.follow_code),
    el("p", {
      class: "small",
      text: "答复后凭编号和查询码评价办理结果；查询码只有您知道，请妥善保存。/ Once the department replies, rate it with the number and this code — only you have it, so keep it.",
    }),
    el("p", { text: `${body.notice.zh} / ${body.notice.en}` }),
    el("a", { id: "result-follow", href: `${body.follow_url}#follow`, text: "查看办理进度 / Follow this request" }),
    el("p", {
      class: "small",
      text: "请记下编号，凭编号可随时查询进度。/ Keep the number: it is how you follow the request.",
    }),
  ];
  box.replaceChildren(...parts.filter(Boolean)); // no token: nothing (replaceChildren would write "null")
  box.hidden = false;
}

export function setUpSubmit() {
  const form = $("submit-form");
  if (!form) return; // submitting is closed: the page says why
  const [error, result, attributes, select] = [
    $("submit-error"),
    $("submit-result"),
    $("attributes"),
    $("service_code"),
  ];
  select.addEventListener("change", () => loadAttributes(select, attributes));
  const locate = $("locate");
  if (navigator.geolocation && window.isSecureContext) {
    locate.hidden = false;
    locate.addEventListener("click", () =>
      navigator.geolocation.getCurrentPosition((pos) => {
        $("lat").value = pos.coords.latitude.toFixed(6);
        $("long").value = pos.coords.longitude.toFixed(6);
      }),
    );
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(error, "");
    result.hidden = true;
    const button = $("submit-button");
    button.disabled = true;
    try {
      const body = await request("POST", form.action, { form: new URLSearchParams(new FormData(form)) });
      markInvalid(form, null);
      receipt(result, body);
      rememberCode(body.service_request_id, body.follow_code);
      form.reset();
      attributes.replaceChildren();
    } catch (err) {
      say(error, problemText(err));
      if (err instanceof ApiError) markInvalid(form, ERROR_FIELDS[err.code]);
    } finally {
      button.disabled = false;
    }
  });
}
