package dashboards

// Review is the weekly review page's client: the page is drawn in the browser from
// GET /api/v1/review, so a tag saved in the meeting shows at once without a reload, and
// every string from an alert reaches the page as text (textContent), never as markup.
type Review struct {
	Week string // as asked ("2026-W47"), "" for the API's default: the last complete ISO week
	// AskName is true when auth is off: the reviewer types a name, kept in the browser and
	// sent as X-Alertlens-Reviewer. With auth on the server knows who from the token.
	AskName bool
}

// ReviewPage is the weekly review: the week's pages by rule, their tags, the tagging form
// and the meeting's keyboard mode.
func ReviewPage(ch Choices, week string, askName bool) Page {
	return Page{Title: "Weekly review", Path: "/review", Choices: ch, NoFilter: true,
		Review: &Review{Week: week, AskName: askName}}
}

// ReviewKeys are the meeting mode's keys, as the help overlay lists them.
var ReviewKeys = [][2]string{
	{"j / k", "next / previous page"},
	{"t", "tag the current page"},
	{"b", "tag all of the current rule's pages this week"},
	{"a", "action taken"},
	{"n", "no action"},
	{"1–8", "reason"},
	{"Enter", "save"},
	{"Esc", "close the form"},
	{"?", "this help"},
}

const reviewCSS = `
.review-bar{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:10px 24px;background:#eef2f6;font-size:14px}
.review-bar input[name=week]{width:7.5em} .review-bar input#reviewer{width:10em}
.summary{font-size:15px} .summary strong{font-size:18px}
/* Runbook and ticket links are long unbroken URLs: they wrap anywhere on a phone. */
#review .note,#review .who,#review .tag{overflow-wrap:anywhere}
.untagged-0{color:#2e9e5b} .untagged-n{color:#d9534f}
.rule-head{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline;justify-content:space-between}
.rule-head .counts{font-size:13px;color:#555}
.inc{border-top:1px solid #eee;padding:8px 6px;display:grid;grid-template-columns:11em 1fr auto;gap:4px 12px;align-items:start}
.inc.current{outline:2px solid #5b8ff9;outline-offset:-2px;background:#f5f9ff}
.inc .when{font-variant-numeric:tabular-nums;font-size:13px} .inc .when .tz{color:#666;font-size:12px;display:block}
.inc .title{overflow-wrap:anywhere} .inc .who{font-size:12px;color:#444;margin-top:2px}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:8px;background:#eef2f6;margin:2px 4px 0 0}
.badge.sleep{background:#e8defa;color:#4b2a91} .badge.off_hours{background:#fdf1c7;color:#7a5a00} .badge.business{background:#dfe9fd;color:#1d4aa8}
.badge.signal{background:#fde2e1;color:#8b1f1b}
.tag{font-size:12px;margin-top:4px} .tag.action_taken{color:#1e7a44} .tag.no_action{color:#8b1f1b} .tag.none{color:#888}
.review-form{grid-column:1/-1;border:1px solid #cfd8e3;border-radius:6px;padding:10px;background:#fbfcfd;display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end}
.review-form label{font-size:13px;display:flex;flex-direction:column;gap:2px}
.review-form input[type=text],.review-form input[type=url],.review-form select{min-width:12em;max-width:100%}
.review-form .err{color:#d9534f;flex-basis:100%;font-size:13px}
.conflict{flex-basis:100%;background:#fff3cd;border:1px solid #ffe08a;padding:8px;border-radius:6px;font-size:13px}
.conflict table{width:auto}
#review-help{position:fixed;inset:0;background:rgba(0,0,0,.35);display:flex;align-items:center;justify-content:center;z-index:10}
#review-help[hidden]{display:none} #review-help div{background:#fff;border-radius:8px;padding:16px 20px;max-width:90vw}
@media (max-width:600px){
  .review-bar{padding:8px 12px}
  .inc{grid-template-columns:1fr;gap:2px}
  .review-form input[type=text],.review-form input[type=url],.review-form select{min-width:0;width:100%}
  .review-form label{flex:1 1 100%}
}
`

// reviewHTML is the page's skeleton; the script fills #review from the API. The
// template's {{.}} is the Review, encoded by html/template for the script context.
const reviewHTML = `<div class="review-bar" id="review-bar">
<a id="week-prev" href="#" hidden>← previous week</a>
<form method="get" action="/review"><label>Week <input name="week" value="{{.Week}}" placeholder="2026-W47" pattern="[0-9]{4}-W[0-9]{2}"></label> <button type="submit">Go</button></form>
<a id="week-next" href="#" hidden>next week →</a>
{{if .AskName}}<label>Your name <input id="reviewer" autocomplete="name" placeholder="who is tagging"></label>{{end}}
<button type="button" id="help-open" title="keyboard: ?">Meeting keys (?)</button>
</div>
<p class="summary" id="review-summary" aria-live="polite">Loading the week…</p>
<div id="review"></div>
<div id="review-help" hidden role="dialog" aria-label="Meeting keys"><div><h2>Meeting keys</h2><table>
{{range reviewKeys}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}
</table><p><button type="button" id="help-close">Close</button></p></div></div>
<script>
(function(){
  var cfg = {{.}};
  var root = document.getElementById("review"), summary = document.getElementById("review-summary");
  var nameInput = document.getElementById("reviewer");
  var data = null, reasons = [], flat = [], cur = -1, openForm = null;
  if (nameInput) {
    nameInput.value = localStorage.getItem("alertlens.reviewer") || "";
    nameInput.addEventListener("change", function(){ localStorage.setItem("alertlens.reviewer", nameInput.value.trim()); });
  }
  function el(tag, attrs, kids){
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (k === "text") e.textContent = attrs[k]; else if (k === "class") e.className = attrs[k]; else e.setAttribute(k, attrs[k]); }
    (kids || []).forEach(function(c){ if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  // Only http(s) links from a payload become links; anything else shows as text.
  function link(url, text){
    if (/^https?:\/\//i.test(url || "")) return el("a", {href: url, rel: "noopener noreferrer", text: text || url});
    return url ? el("span", {text: url}) : null;
  }
  function plural(n, word){ return n + " " + word + (n === 1 ? "" : "s"); }
  function reasonLabel(r){ for (var i = 0; i < reasons.length; i++) if (reasons[i].reason === r) return reasons[i].label; return r || ""; }
  function headers(){
    var h = {"Content-Type": "application/json"};
    // A header holds bytes, not text: the name goes percent-encoded as UTF-8, and the
    // server decodes it, so "Róisín" or "Łukasz" arrive as typed.
    if (nameInput && nameInput.value.trim()) h["X-Alertlens-Reviewer"] = encodeURIComponent(nameInput.value.trim());
    return h;
  }
  function api(method, url, body){
    return fetch(url, {method: method, headers: headers(), body: body ? JSON.stringify(body) : undefined})
      .then(function(r){ return r.json().catch(function(){ return {}; }).then(function(b){ return {status: r.status, body: b}; }); });
  }
  function load(keep){
    var q = cfg.Week ? "?week=" + encodeURIComponent(cfg.Week) : "";
    return Promise.all([api("GET", "/api/v1/review" + q), reasons.length ? null : api("GET", "/api/v1/reasons")]).then(function(res){
      if (res[1]) reasons = res[1].status === 200 ? res[1].body : [];
      if (res[0].status !== 200) { summary.textContent = (res[0].body.error && res[0].body.error.message) || ("the review could not be loaded (" + res[0].status + ")"); root.textContent = ""; return; }
      data = res[0].body; cfg.Week = data.week; render(keep);
    }).catch(function(e){ summary.textContent = "the review could not be loaded: " + e; });
  }
  function weekLink(id, week){
    var a = document.getElementById(id);
    if (week) { a.href = "/review?week=" + encodeURIComponent(week); a.hidden = false; } else a.hidden = true;
  }
  function render(keep){
    var key = keep && flat[cur] ? flat[cur].source + "/" + flat[cur].incident_id : null;
    weekLink("week-prev", data.previous_week); weekLink("week-next", data.next_week);
    document.querySelector(".review-bar input[name=week]").value = data.week;
    summary.textContent = "";
    summary.appendChild(el("span", {}, ["Week ", el("strong", {text: data.week}), " (" + data.from.slice(0, 10) + " to " + data.to.slice(0, 10) + "): " +
      plural(data.pages, "page") + ", " + data.after_hours_pages + " after hours · ",
      el("strong", {id: "untagged", "class": data.untagged ? "untagged-n" : "untagged-0", text: data.untagged + " still untagged"})]));
    root.textContent = ""; flat = []; openForm = null;
    if (!data.rules.length) root.appendChild(el("p", {"class": "notice", text: "No pages in " + data.week + "."}));
    data.rules.forEach(function(r){
      var sec = el("section", {"class": "rule", "data-rule-id": r.rule_id});
      var counts = plural(r.pages, "page") + " · " + r.after_hours_pages + " after hours · " + r.sleep_hours_pages + " in sleep hours";
      sec.appendChild(el("div", {"class": "rule-head"}, [
        el("h2", {}, [el("a", {href: "/rule/" + encodeURIComponent(r.rule_id), text: r.rule})]),
        el("span", {"class": "counts", text: counts})]));
      sec.appendChild(el("p", {"class": "note"}, [r.service + " · team " + r.team + " · rotation " + r.rotation + " · runbook: ",
        r.has_runbook ? (link(r.runbook_url, r.runbook_url) || "yes") : "none"]));
      (r.follow_ups || []).forEach(function(fu){
        sec.appendChild(el("p", {"class": "note"}, ["follow-up: " + (fu.change || "") + (fu.shipped_on ? " (shipped " + fu.shipped_on.slice(0, 10) + ") " : " (not shipped) "), link(fu.ticket_url, "ticket")]));
      });
      var bulk = el("button", {type: "button", "class": "bulk", text: r.incidents.length === 1 ? "Tag the rule's one page" : "Tag all " + r.incidents.length + " pages of this rule"});
      bulk.addEventListener("click", function(){ showForm(sec, null, r); });
      sec.appendChild(bulk);
      r.incidents.forEach(function(inc){ inc.rule = r; sec.appendChild(incRow(inc)); });
      root.appendChild(sec);
    });
    if (key) for (var i = 0; i < flat.length; i++) if (flat[i].source + "/" + flat[i].incident_id === key) { select(i, false); break; }
  }
  function incRow(inc){
    var idx = flat.length; flat.push(inc);
    var who = [];
    if (inc.interrupted && inc.interrupted.length) who.push("interrupted: " + inc.interrupted.join(", "));
    if (inc.woken && inc.woken.length) who.push("woken: " + inc.woken.join(", "));
    var badges = el("div", {}, [el("span", {"class": "badge " + inc.window, text: (inc.window || "").replace("_", "-")})]);
    ["auto_resolved", "transient", "flapping", "unacknowledged"].forEach(function(s){ if (inc[s]) badges.appendChild(el("span", {"class": "badge signal", text: s.replace("_", "-")})); });
    var row = el("div", {"class": "inc", "data-idx": String(idx), "data-incident": inc.source + "/" + inc.incident_id, tabindex: "-1"}, [
      el("div", {"class": "when"}, [inc.local_time || "", el("span", {"class": "tz", title: "the local time of the person paged", text: inc.time_zone || ""})]),
      el("div", {}, [el("div", {"class": "title", text: inc.title}), who.length ? el("div", {"class": "who", text: who.join(" · ")}) : null, badges,
        inc.runbook_url ? el("div", {"class": "who"}, ["runbook: ", link(inc.runbook_url)]) : null, tagLine(inc.tag)]),
      el("div", {}, [el("button", {type: "button", "class": "tag-one", text: inc.tag ? "Retag" : "Tag"})])]);
    row.querySelector(".tag-one").addEventListener("click", function(){ select(idx, false); showForm(row, inc, inc.rule); });
    row.addEventListener("click", function(ev){ if (ev.target === row) select(idx, false); });
    return row;
  }
  function tagLine(t){
    if (!t) return el("div", {"class": "tag none", text: "untagged"});
    var parts = [t.tag === "action_taken" ? "action taken" : "no action"];
    if (t.reason) parts.push(reasonLabel(t.reason));
    if (t.owner) parts.push("owner " + t.owner);
    if (t.note) parts.push("“" + t.note + "”");
    var line = el("div", {"class": "tag " + t.tag}, [parts.join(" · ")]);
    if (t.follow_up_url) { line.appendChild(document.createTextNode(" · ")); line.appendChild(link(t.follow_up_url, "follow-up")); }
    if (t.reviewer) line.appendChild(document.createTextNode(" — " + t.reviewer + (t.updated_at ? ", " + t.updated_at.slice(0, 16).replace("T", " ") : "")));
    return line;
  }
  function select(i, scroll){
    if (i < 0 || i >= flat.length) return;
    var prev = root.querySelector(".inc.current"); if (prev) prev.classList.remove("current");
    cur = i;
    var row = root.querySelector('.inc[data-idx="' + i + '"]');
    row.classList.add("current");
    if (scroll !== false) { row.focus({preventScroll: true}); row.scrollIntoView({block: "nearest"}); }
  }
  // showForm opens the tagging form under a page (inc) or under a rule's heading (bulk).
  function showForm(after, inc, rule){
    closeForm();
    var t = inc && inc.tag || {};
    var f = el("form", {"class": "review-form", "data-bulk": inc ? "no" : "yes"});
    f.appendChild(el("strong", {"class": "what", text: inc ? "Tag this page" : "Tag all " + rule.incidents.length + " pages of " + rule.rule + " in " + data.week}));
    var kind = el("fieldset", {style: "border:0;padding:0;margin:0;display:flex;gap:12px"}, [
      el("label", {style: "flex-direction:row;gap:4px"}, [el("input", {type: "radio", name: "tag", value: "action_taken"}), "action taken (a)"]),
      el("label", {style: "flex-direction:row;gap:4px"}, [el("input", {type: "radio", name: "tag", value: "no_action"}), "no action (n)"])]);
    f.appendChild(kind);
    var sel = el("select", {name: "reason"}, [el("option", {value: "", text: "choose a reason"})]);
    reasons.forEach(function(r, i){ sel.appendChild(el("option", {value: r.reason, text: (i + 1) + " · " + r.label})); });
    f.appendChild(el("label", {}, ["Reason (1–8)", sel]));
    f.appendChild(el("label", {}, ["Note", el("input", {type: "text", name: "note", maxlength: "2000"})]));
    f.appendChild(el("label", {}, ["Owner", el("input", {type: "text", name: "owner", maxlength: "200"})]));
    f.appendChild(el("label", {}, ["Follow-up link", el("input", {type: "url", name: "follow_up_url", placeholder: "https://…"})]));
    f.appendChild(el("button", {type: "submit", text: "Save (Enter)"}));
    var cancel = el("button", {type: "button", text: "Cancel (Esc)"}); cancel.addEventListener("click", closeForm); f.appendChild(cancel);
    f.appendChild(el("div", {"class": "err", role: "alert"}));
    if (t.tag) f.querySelector('input[value="' + t.tag + '"]').checked = true;
    sel.value = t.reason || ""; f.note.value = t.note || ""; f.owner.value = t.owner || ""; f.follow_up_url.value = t.follow_up_url || "";
    f.addEventListener("submit", function(ev){ ev.preventDefault(); save(f, inc, rule); });
    if (inc) after.appendChild(f); else after.insertBefore(f, after.querySelector(".bulk").nextSibling);
    openForm = f;
    (f.querySelector("input[name=tag]:checked") || f.querySelector("input[name=tag]")).focus();
  }
  function closeForm(){ if (openForm) openForm.remove(); openForm = null; }
  function body(f){
    var checked = f.querySelector("input[name=tag]:checked");
    return {tag: checked ? checked.value : "", reason: f.reason.value, note: f.note.value, owner: f.owner.value, follow_up_url: f.follow_up_url.value};
  }
  function save(f, inc, rule){
    var err = f.querySelector(".err"), b = body(f);
    err.textContent = "";
    if (nameInput && !nameInput.value.trim()) { err.textContent = "Type your name at the top first: tags say who made them."; nameInput.focus(); return; }
    if (!b.tag) { err.textContent = "Choose action taken (a) or no action (n)."; return; }
    if (!b.reason) { err.textContent = "Choose a reason (1–8)."; f.reason.focus(); return; }
    // One write at a time per form: a double Enter or a double click saves once.
    if (f.getAttribute("data-saving")) return;
    f.setAttribute("data-saving", "1");
    var req = inc
      ? api("PUT", "/api/v1/incidents/" + encodeURIComponent(inc.incident_id) + "/review?source=" + encodeURIComponent(inc.source), Object.assign({version: inc.tag ? inc.tag.version : 0}, b))
      : api("PUT", "/api/v1/rules/" + encodeURIComponent(rule.rule_id) + "/review?week=" + encodeURIComponent(data.week), b);
    req.then(function(res){
      f.removeAttribute("data-saving");
      if (res.status === 200) {
        if (!inc) { return load(true).then(function(){ summary.appendChild(document.createTextNode(" · tagged " + res.body.tagged + " pages of " + rule.rule)); }); }
        if (!inc.tag) data.untagged--;
        inc.tag = res.body; render(true); return;
      }
      if (res.status === 409 && inc) { conflict(f, inc, b, res.body.current); return; }
      err.textContent = (res.body.error && res.body.error.message) || ("not saved (" + res.status + ")");
    }).catch(function(e){ f.removeAttribute("data-saving"); err.textContent = "not saved: " + e; });
  }
  // A stale write: someone else changed the tag since the page loaded. Show theirs beside
  // what was typed, and offer to reload (or to save over it, knowingly).
  function conflict(f, inc, mine, theirs){
    var box = el("div", {"class": "conflict", role: "alert"}, [el("strong", {text: (theirs && theirs.reviewer || "Someone") + " changed this tag" + (theirs && theirs.updated_at ? " at " + theirs.updated_at.slice(0, 16).replace("T", " ") : "") + " while you were editing."})]);
    var tbl = el("table", {}, [el("tr", {}, [el("th", {text: ""}), el("th", {text: "theirs (saved)"}), el("th", {text: "yours"})])]);
    ["tag", "reason", "note", "owner", "follow_up_url"].forEach(function(k){
      var a = theirs ? (k === "reason" ? reasonLabel(theirs[k]) : theirs[k] || "") : "", m = k === "reason" ? reasonLabel(mine[k]) : mine[k] || "";
      tbl.appendChild(el("tr", a === m ? {} : {style: "font-weight:600"}, [el("th", {text: k.replace(/_/g, " ")}), el("td", {text: a}), el("td", {text: m})]));
    });
    box.appendChild(tbl);
    var reload = el("button", {type: "button", "class": "reload", text: "Reload the week"}); reload.addEventListener("click", function(){ load(true); });
    var over = el("button", {type: "button", text: "Save mine over theirs"}); over.addEventListener("click", function(){ inc.tag = theirs; save(f, inc, inc.rule); });
    box.appendChild(el("p", {}, [reload, " ", over]));
    var old = f.querySelector(".conflict"); if (old) old.remove();
    f.insertBefore(box, f.querySelector(".err"));
  }
  var help = document.getElementById("review-help");
  function toggleHelp(on){ help.hidden = !on; }
  document.getElementById("help-open").addEventListener("click", function(){ toggleHelp(true); });
  document.getElementById("help-close").addEventListener("click", function(){ toggleHelp(false); });
  document.addEventListener("keydown", function(ev){
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.target.tagName === "BUTTON" && (ev.key === "Enter" || ev.key === " ")) return; // the button's own click
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName) && ev.target.type !== "radio";
    if (ev.key === "Escape") { if (!help.hidden) toggleHelp(false); else closeForm(); return; }
    if (typing) return; // Enter in a field submits the form by itself
    if (ev.key === "?") { toggleHelp(help.hidden); ev.preventDefault(); return; }
    if (!flat.length) return;
    var inc = flat[cur];
    switch (ev.key) {
    case "j": closeForm(); select(Math.min(cur + 1, flat.length - 1)); break;
    case "k": closeForm(); select(Math.max(cur - 1, 0)); break;
    case "t": if (inc) showForm(root.querySelector(".inc.current"), inc, inc.rule); break;
    case "b": if (inc) showForm(root.querySelector('section[data-rule-id="' + CSS.escape(inc.rule.rule_id) + '"]'), null, inc.rule); break;
    case "a": case "n":
      if (!openForm && inc) showForm(root.querySelector(".inc.current"), inc, inc.rule);
      if (openForm) openForm.querySelector('input[value="' + (ev.key === "a" ? "action_taken" : "no_action") + '"]').checked = true;
      break;
    case "Enter": if (openForm) openForm.requestSubmit(); else if (inc) showForm(root.querySelector(".inc.current"), inc, inc.rule); break;
    default:
      if (/^[1-9]$/.test(ev.key) && openForm && reasons[+ev.key - 1]) openForm.reason.value = reasons[+ev.key - 1].reason;
      else return;
    }
    ev.preventDefault();
  });
  load(false);
})();
</script>`
