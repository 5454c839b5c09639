// The local Messenger page: sends what the customer does to /chat/send (which
// signs it and delivers it to Rasa's webhook) and renders what the bot sent to
// the fake Graph API, the way Messenger shows it.
(function () {
  const params = new URLSearchParams(location.search);
  const psid = params.get("psid") || localStorage.getItem("kassa-psid") || String(Date.now()) + String(Math.floor(Math.random() * 1e6));
  localStorage.setItem("kassa-psid", psid);
  document.getElementById("who").textContent = "you are PSID " + psid;

  const thread = document.getElementById("thread");
  const quickReplies = document.getElementById("quick-replies");
  const typing = document.getElementById("typing");
  let after = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scroll() { thread.scrollTop = thread.scrollHeight; }

  async function deliver(body) {
    const response = await fetch("/chat/send", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({psid, locale: navigator.language, ...body}),
    });
    if (!response.ok) thread.append(el("div", "handover", "not delivered: " + (await response.text())));
  }

  function say(text, extra) {
    quickReplies.replaceChildren();
    thread.append(el("div", "bubble me", text));
    scroll();
    return deliver(extra || {text});
  }

  function buttonNode(button) {
    if (button.type === "web_url") {
      const link = el("a", "", button.title);
      link.href = button.url; link.target = "_blank"; link.rel = "noopener";
      return link;
    }
    if (button.type === "phone_number") {
      const link = el("a", "", button.title);
      link.href = "tel:" + button.payload;
      return link;
    }
    const node = el("button", "", button.title);
    node.type = "button";
    node.addEventListener("click", () => say(button.title, {postback: {title: button.title, payload: button.payload}}));
    return node;
  }

  function buttonsNode(buttons) {
    const box = el("div", "buttons");
    (buttons || []).forEach((b) => box.append(buttonNode(b)));
    return box;
  }

  function renderTemplate(payload) {
    if (payload.template_type === "button") {
      const box = el("div", "template");
      box.append(el("div", "text", payload.text), buttonsNode(payload.buttons));
      return box;
    }
    if (payload.template_type === "generic") {
      const row = el("div", "card-row");
      payload.elements.forEach((element) => {
        const card = el("div", "card");
        if (element.image_url) { const img = el("img"); img.src = element.image_url; img.alt = element.title; card.append(img); }
        const body = el("div", "body");
        body.append(el("div", "title", element.title));
        if (element.subtitle) body.append(el("div", "subtitle", element.subtitle));
        card.append(body);
        if (element.buttons) card.append(buttonsNode(element.buttons));
        row.append(card);
      });
      return row;
    }
    if (payload.template_type === "receipt") {
      const box = el("div", "receipt");
      box.append(el("h3", "", "Receipt · order " + payload.order_number));
      box.append(el("div", "meta", payload.recipient_name + " · " + payload.payment_method));
      (payload.elements || []).forEach((item) => {
        const line = el("div", "line");
        line.append(el("span", "", item.quantity + " × " + item.title), el("span", "", item.price + " " + payload.currency));
        box.append(line);
      });
      const total = el("div", "total");
      total.append(el("span", "", "Total"), el("span", "", payload.summary.total_cost + " " + payload.currency));
      box.append(total);
      return box;
    }
    return el("div", "bubble bot", JSON.stringify(payload));
  }

  function render(record) {
    if (record.kind === "sender_action") {
      typing.hidden = record.action !== "typing_on";
      return;
    }
    if (record.kind === "pass_thread_control") {
      thread.append(el("div", "handover", "A person from the shop will answer here."));
      return;
    }
    if (record.kind !== "message") return;
    typing.hidden = true;
    const message = record.message;
    if (message.text) thread.append(el("div", "bubble bot", message.text));
    const attachment = message.attachment;
    if (attachment && attachment.type === "template") thread.append(renderTemplate(attachment.payload));
    else if (attachment && attachment.type === "image") { const img = el("img", "image"); img.src = attachment.payload.url; thread.append(img); }
    else if (attachment) { const link = el("a", "bubble bot", attachment.type); link.href = attachment.payload.url; thread.append(link); }
    if (message.quick_replies) {
      quickReplies.replaceChildren();
      message.quick_replies.forEach((reply) => {
        const chip = el("button", "", reply.title);
        chip.type = "button";
        chip.addEventListener("click", () => say(reply.title, {quick_reply: {title: reply.title, payload: reply.payload}}));
        quickReplies.append(chip);
      });
    }
    scroll();
  }

  async function poll() {
    try {
      const response = await fetch("/_fake/messages?psid=" + encodeURIComponent(psid) + "&after=" + after);
      const records = await response.json();
      records.forEach((record) => { after = Math.max(after, record.seq); render(record); });
    } catch (error) { /* the page server restarted; try again */ }
    setTimeout(poll, 300);
  }

  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("text");
    const text = input.value.trim();
    if (text) { input.value = ""; say(text); }
  });
  poll();
})();
