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
      for (var i = 0; i < fileList.length; i++) {
        var f = fileList[i];
        var dup = files.some(function (g) { return g.name === f.name && g.size === f.size; });
        if (!dup) files.push(f);
      }
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
