/* CityBrain citizens' portal (市民诉求门户): tabs, the submit form, the follow view. Offline, no libraries.
   Everything the server sends is put on the page as text (textContent), never as HTML. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  // Which form field an error code of POST /portal/requests points at.
  const ERROR_FIELDS = {
    missing_service_code: "service_code",
    unknown_service: "service_code",
    missing_description: "description",
    invalid_description: "description",
    missing_location: "address_string",
    invalid_location: "lat",
    invalid_attribute: "attributes",
  };

  // --- tabs ---------------------------------------------------------------------------------------------

  function showTab(name) {
    document.querySelectorAll("section.part").forEach((s) => { s.hidden = s.id !== name; });
    document.querySelectorAll("nav.tabs a[data-tab]").forEach((a) => {
      a.classList.toggle("active", a.dataset.tab === name);
    });
  }

  function tabFromHash() {
    const name = (location.hash || "#submit").slice(1);
    showTab(["submit", "follow", "supervise"].includes(name) ? name : "submit");
  }

  // --- messages -----------------------------------------------------------------------------------------

  function show(box, text) {
    box.textContent = text;
    box.hidden = !text;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error;
    } catch (_) { /* not JSON: fall through */ }
    return { code: "http_" + response.status, message: "服务器错误（" + response.status + "），请稍后再试 / Server error (" + response.status + "); please try again later." };
  }

  const NETWORK = "网络连接失败，请检查后重试 / Could not reach the server; check the connection and try again.";

  function markInvalid(form, field) {
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const el = field && $(field);
    if (el) {
      el.setAttribute("aria-invalid", "true");
      if (el.focus) el.focus();
    }
  }

  // --- service attributes (services/{code}.json) ---------------------------------------------------------

  function attributeInput(attr) {
    const name = "attribute[" + attr.code + "]";
    if (attr.datatype === "singlevaluelist") {
      const select = document.createElement("select");
      select.name = name;
      select.add(new Option("— 请选择 / choose —", ""));
      attr.values.forEach((v) => select.add(new Option(v.name, v.key)));
      return select;
    }
    if (attr.datatype === "multivaluelist") {
      const box = document.createElement("span");
      attr.values.forEach((v) => {
        const label = document.createElement("label");
        label.className = "check";
        const input = document.createElement("input");
        input.type = "checkbox";
        input.name = name + "[]";
        input.value = v.key;
        label.append(input, " " + v.name);
        box.append(label);
      });
      return box;
    }
    const input = document.createElement(attr.datatype === "text" ? "textarea" : "input");
    input.name = name;
    if (attr.datatype === "number") input.inputMode = "decimal";
    if (attr.datatype === "datetime") input.type = "datetime-local";
    return input;
  }

  function renderAttributes(box, attributes) {
    box.replaceChildren();
    attributes.filter((a) => a.variable).forEach((attr) => {
      const label = document.createElement("label");
      label.textContent = attr.description + (attr.required ? " *" : "");
      const input = attributeInput(attr);
      input.id = "attribute-" + attr.code;
      label.htmlFor = input.id;
      box.append(label, input);
      if (attr.datatype_description) {
        const hint = document.createElement("p");
        hint.className = "small";
        hint.textContent = attr.datatype_description;
        box.append(hint);
      }
    });
  }

  async function loadAttributes(select, box) {
    box.replaceChildren();
    const option = select.selectedOptions[0];
    if (!option || option.dataset.metadata !== "true") return;
    try {
      const response = await fetch("/open311/v2/services/" + encodeURIComponent(option.value) + ".json");
      if (response.ok) renderAttributes(box, (await response.json()).attributes || []);
    } catch (_) { /* the server will name a missing required answer on submit */ }
  }

  // --- submit (我要反映) -----------------------------------------------------------------------------------

  // A paragraph: a label, then a value in its own element (tag, id) so tests and readers can find it.
  function labelled(label, tag, id, value) {
    const line = document.createElement("p");
    line.append(label);
    const element = document.createElement(tag);
    element.id = id;
    element.textContent = value;
    line.append(element);
    return line;
  }

  function receipt(box, body) {
    box.replaceChildren();
    box.append(labelled("已受理！您的诉求编号 / Received! Your request number: ", "strong", "result-id",
      body.service_request_id));
    if (body.token) {
      box.append(labelled("凭证 / Token: ", "code", "result-token", body.token));
    }
    const notice = document.createElement("p");
    notice.textContent = body.notice.zh + " / " + body.notice.en;
    const link = document.createElement("a");
    link.id = "result-follow";
    link.href = body.follow_url + "#follow";
    link.textContent = "查看办理进度 / Follow this request";
    const keep = document.createElement("p");
    keep.className = "small";
    keep.textContent = "请记下编号，凭编号可随时查询进度。/ Keep the number: it is how you follow the request.";
    box.append(notice, link, keep);
    box.hidden = false;
  }

  function setUpSubmit() {
    const form = $("submit-form");
    if (!form) return;
    const error = $("submit-error");
    const result = $("submit-result");
    const attributes = $("attributes");
    const select = $("service_code");
    select.addEventListener("change", () => loadAttributes(select, attributes));
    const locate = $("locate");
    if (navigator.geolocation && window.isSecureContext) {
      locate.hidden = false;
      locate.addEventListener("click", () => navigator.geolocation.getCurrentPosition((pos) => {
        $("lat").value = pos.coords.latitude.toFixed(6);
        $("long").value = pos.coords.longitude.toFixed(6);
      }));
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      show(error, "");
      result.hidden = true;
      const button = $("submit-button");
      button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" },
          body: new URLSearchParams(new FormData(form)),
        });
        if (response.ok) {
          markInvalid(form, null);
          receipt(result, await response.json());
          form.reset();
          attributes.replaceChildren();
        } else {
          const problem = await errorText(response);
          show(error, problem.message);
          markInvalid(form, ERROR_FIELDS[problem.code]);
        }
      } catch (_) {
        show(error, NETWORK);
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- follow (进度查询) -----------------------------------------------------------------------------------

  function both(names) {
    return names ? names.zh + (names.en && names.en !== names.zh ? " / " + names.en : "") : "—";
  }

  function renderCase(box, c) {
    const rows = [
      ["诉求编号", "Request number", c.service_request_id, "follow-id"],
      ["状态", "Status", c.status.zh + " / " + c.status.en, "follow-status"],
      ["进展", "What happens next", c.notice.zh + " / " + c.notice.en, "follow-notice"],
      ["类别", "Category", both(c.category), "follow-category"],
      ["承办部门", "Department", both(c.department), "follow-department"],
      ["受理时间", "Received", c.requested, "follow-requested"],
      ["办结时限", "Due by", c.expected, "follow-expected"],
      ["最近更新", "Last update", c.updated, "follow-updated"],
      ["结案时间", "Closed", c.closed, "follow-closed"],
      ["地点", "Place", c.address, "follow-address"],
      ["诉求内容", "Request", c.description, "follow-description"],
      ["办理说明", "Notes", c.status_notes, "follow-notes"],
      ["答复", "Reply to the citizen", c.reply, "follow-reply"],
    ];
    const list = document.createElement("dl");
    rows.forEach(([zh, en, value, id]) => {
      if (value === null || value === undefined || value === "") return;
      const term = document.createElement("dt");
      term.textContent = zh + " ";
      const english = document.createElement("span");
      english.className = "en";
      english.textContent = en;
      term.append(english);
      const detail = document.createElement("dd");
      detail.id = id;
      detail.textContent = value;
      list.append(term, detail);
    });
    const zone = document.createElement("p");
    zone.className = "small";
    zone.textContent = "时间为本市时间 / Times are local (" + c.timezone + ").";
    box.replaceChildren(list, zone);
    box.hidden = false;
  }

  async function lookUp(ref) {
    const error = $("follow-error");
    const result = $("follow-result");
    show(error, "");
    result.hidden = true;
    if (!ref) {
      show(error, "请输入诉求编号或凭证 / Enter a request number or token.");
      return;
    }
    try {
      const response = await fetch("/portal/requests/" + encodeURIComponent(ref));
      if (response.ok) renderCase(result, await response.json());
      else show(error, (await errorText(response)).message);
    } catch (_) {
      show(error, NETWORK);
    }
  }

  function setUpFollow() {
    const input = $("follow-ref");
    $("follow-form").addEventListener("submit", (event) => {
      event.preventDefault();
      lookUp(input.value.trim());
    });
    const wanted = new URLSearchParams(location.search).get("follow");
    if (wanted) {
      input.value = wanted;
      showTab("follow");
      lookUp(wanted.trim());
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.body.classList.add("js");
    tabFromHash();
    window.addEventListener("hashchange", tabFromHash);
    document.querySelectorAll("nav.tabs a[data-tab]").forEach((a) => {
      a.addEventListener("click", () => showTab(a.dataset.tab));
    });
    setUpSubmit();
    setUpFollow();
  });
})();
