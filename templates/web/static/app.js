// Progressive enhancement of file inputs: files chosen or dropped
// accumulate in a list showing their size, each removable before sending.
// Without this script the plain multiple file input still works.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  if (typeof DataTransfer === "undefined") return;

  function human(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return (n / 1024).toFixed(1) + " kB";
    return n + " B";
  }

  function enhance(box) {
    var input = box.querySelector("input[type=file]");
    var list = box.querySelector("[data-list]");
    var drop = box.querySelector("[data-drop]");
    var removeLabel = box.getAttribute("data-remove") || "Remove";
    var files = [];

    function sync() {
      var dt = new DataTransfer();
      files.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
      list.textContent = "";
      files.forEach(function (f, i) {
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = f.name;
        var size = document.createElement("span");
        size.className = "size";
        size.textContent = human(f.size);
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = removeLabel;
        btn.setAttribute("aria-label", removeLabel + ": " + f.name);
        btn.addEventListener("click", function () {
          files.splice(i, 1);
          sync();
          input.focus();
        });
        li.appendChild(name);
        li.appendChild(size);
        li.appendChild(btn);
        list.appendChild(li);
      });
    }

    function add(fileList) {
      var problems = [];
      for (var i = 0; i < fileList.length; i++) {
        var f = fileList[i];
        var dup = files.some(function (g) { return g.name === f.name && g.size === f.size; });
        if (dup) continue;
        // The server's upload limits, checked before anything is sent.
        var why = uploadProblem(box, files, f);
        if (why) {
          problems.push(why);
          continue;
        }
        files.push(f);
        notAnImage(box, f, function (g, why) {
          files = files.filter(function (h) { return h !== g; });
          showProblems(box, [why], true);
          sync();
        });
      }
      showProblems(box, problems);
      sync();
    }

    input.addEventListener("change", function () {
      // Setting input.files in sync() fires no change event, so this
      // only sees what the person chose.
      var chosen = Array.prototype.slice.call(input.files);
      add(chosen);
    });
    ["dragenter", "dragover"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files) add(e.dataTransfer.files);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-files]"), enhance);
  });
})();

// Portal and errors (issue 12): the upload policy checked in the browser
// (the fieldset's data-* attributes carry the server's limits and
// messages; the server checks again), the error summary focused, the
// address of a form answered in place replaced by its page's, and the
// chosen help topic's description.
function uploadProblem(box, accepted, f) {
  var name = f.name.toLowerCase();
  var dot = name.lastIndexOf(".");
  var exts = (box.getAttribute("data-exts") || "").split(",");
  var msg = function (kind) { return (box.getAttribute("data-msg-" + kind) || "").replace("{name}", f.name); };
  if (dot < 0 || exts.indexOf(name.slice(dot)) < 0) return msg("type");
  if (f.size > Number(box.getAttribute("data-max-size"))) return msg("size");
  if (accepted.length >= Number(box.getAttribute("data-max-count"))) return msg("count");
  var total = f.size;
  for (var i = 0; i < accepted.length; i++) total += accepted[i].size;
  if (total > Number(box.getAttribute("data-max-total"))) return msg("total");
  return "";
}

// notAnImage calls bad when f is named as an image but does not start as
// one of the accepted formats does (the server refuses those too).
function notAnImage(box, f, bad) {
  if (!/\.(jpe?g|png|gif|webp)$/i.test(f.name) || !f.slice || !window.FileReader) return;
  var r = new FileReader();
  r.onload = function () {
    var b = new Uint8Array(r.result), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    var ok = s.indexOf("\xff\xd8\xff") === 0 || s.indexOf("\x89PNG\r\n\x1a\n") === 0 ||
      s.indexOf("GIF87a") === 0 || s.indexOf("GIF89a") === 0 || (s.slice(0, 4) === "RIFF" && s.slice(8, 12) === "WEBP");
    if (!ok) bad(f, (box.getAttribute("data-msg-type") || "").replace("{name}", f.name));
  };
  r.readAsArrayBuffer(f.slice(0, 12));
}

// showProblems lists the files refused, replacing the list (or adding to
// it, for a refusal found later).
function showProblems(box, problems, more) {
  var list = box.querySelector("[data-files-err]");
  if (!list) return;
  if (!more) list.textContent = "";
  problems.forEach(function (why) {
    var line = document.createElement("p");
    line.textContent = why;
    list.appendChild(line);
  });
  list.hidden = list.children.length === 0;
}

(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("main");
    var back = main && main.getAttribute("data-replace-url");
    if (back && window.history && history.replaceState) history.replaceState(null, "", back);

    var summary = document.getElementById("errsummary");
    if (summary) summary.focus();

    Array.prototype.forEach.call(document.querySelectorAll("select[data-topic]"), function (sel) {
      var out = document.getElementById(sel.getAttribute("aria-describedby").split(" ")[0]);
      sel.addEventListener("change", function () {
        var o = sel.options[sel.selectedIndex];
        if (out) out.textContent = (o && o.getAttribute("data-desc")) || "";
      });
    });

    // Browsers without DataTransfer keep the plain file input: check its
    // files when the form is sent.
    if (typeof DataTransfer !== "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-files]"), function (box) {
      var input = box.querySelector("input[type=file]");
      var form = input && input.form;
      if (!form) return;
      form.addEventListener("submit", function (e) {
        var accepted = [], problems = [];
        for (var i = 0; i < input.files.length; i++) {
          var why = uploadProblem(box, accepted, input.files[i]);
          if (why) problems.push(why); else accepted.push(input.files[i]);
        }
        showProblems(box, problems);
        if (problems.length) {
          e.preventDefault();
          input.focus();
        }
      });
    });
  });
})();

// Ticket tools (issue 12): on an agent's ticket page, say who else has
// the ticket open and what others wrote since it was loaded (a heartbeat
// every ~20 s, answered with lines already in the page's language), and
// fill the reply box from the canned responses. Without this script the
// page says it once, when loaded, and the canned responses go in with
// their "Insert" button.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-presence]");
    if (box && window.fetch && window.URLSearchParams) {
      var viewers = box.querySelector("[data-viewers]");
      var news = box.querySelector("[data-news]");
      var form = function () {
        var f = new URLSearchParams();
        f.set("csrf", box.getAttribute("data-csrf"));
        f.set("seen", box.getAttribute("data-seen"));
        return f;
      };
      var beat = function () {
        if (document.hidden) return;
        fetch(box.getAttribute("data-presence"), { method: "POST", body: form(), credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) {
            if (!d) return;
            viewers.textContent = d.viewers || "";
            viewers.hidden = !d.viewers;
            var list = news.querySelector("ul");
            list.textContent = "";
            (d["new"] || []).forEach(function (line) {
              var li = document.createElement("li");
              li.textContent = line;
              list.appendChild(li);
            });
            news.hidden = !(d["new"] && d["new"].length);
          })
          .catch(function () {});
      };
      setInterval(beat, 20000);
      document.addEventListener("visibilitychange", function () { if (!document.hidden) beat(); });
      window.addEventListener("pagehide", function () {
        if (navigator.sendBeacon) navigator.sendBeacon(box.getAttribute("data-leave"), form());
      });
    }

    Array.prototype.forEach.call(document.querySelectorAll("[data-canned]"), function (c) {
      var sel = c.querySelector("select");
      var area = document.getElementById("message");
      if (!sel || !area) return;
      sel.addEventListener("change", function () {
        var opt = sel.options[sel.selectedIndex];
        var text = opt && opt.getAttribute("data-text");
        if (!text) return;
        var at = typeof area.selectionStart === "number" ? area.selectionStart : area.value.length;
        var before = area.value.slice(0, at), after = area.value.slice(at);
        if (before && !/\n\n$/.test(before)) before = before.replace(/\n*$/, "\n\n");
        area.value = before + text + after;
        var end = (before + text).length;
        area.focus();
        if (area.setSelectionRange) area.setSelectionRange(end, end);
        sel.selectedIndex = 0;
      });
    });
  });
})();

// Queue and search (issue 12): "select all on this page" ticks every row
// (without this script the server applies it to the whole page), and
// unticking a row unticks it.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) return;
  var rows = document.querySelectorAll("form.bulk input[name=t]");
  all.addEventListener("change", function () {
    rows.forEach(function (c) { c.checked = all.checked; });
  });
  rows.forEach(function (c) {
    c.addEventListener("change", function () { if (!c.checked) all.checked = false; });
  });
})();
