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
