// Type-ahead for the profile editor's pickers (progressive enhancement: without this script the
// "Search" buttons reload the page with the results as boxes to tick).
//
// Each [data-picker] holds a search input, its "Search" button and an empty listbox. Typing
// asks the JSON endpoint (data-source) for choices; the input is an ARIA combobox: Down/Up move
// through the options, Enter adds the active one, Escape closes the list; a click adds one too.
// An added choice becomes a ticked checkbox in the chosen list (data-chosen), named data-field,
// exactly what the no-JS page would send.
(function () {
  "use strict";
  var status = document.getElementById("picker-status");

  function say(text) {
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function setup(picker, index) {
    var input = picker.querySelector("input[type=search]");
    var button = picker.querySelector("button");
    var listbox = picker.querySelector("[role=listbox]");
    var chosen = document.getElementById(picker.dataset.chosen);
    var field = picker.dataset.field;
    var source = picker.dataset.source;
    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(next) {
      if (!options.length) { return; }
      active = (next + options.length) % options.length;
      options.forEach(function (item, i) {
        var node = listbox.children[i];
        node.setAttribute("aria-selected", i === active ? "true" : "false");
        if (i === active) {
          input.setAttribute("aria-activedescendant", node.id);
          node.scrollIntoView({ block: "nearest" });
        }
      });
    }

    function isChosen(value) {
      return Array.prototype.some.call(
        chosen.querySelectorAll("input[name='" + field + "']"),
        function (box) { return box.value === value && box.checked; }
      );
    }

    function add(choice) {
      if (!isChosen(choice.value)) {
        var item = document.createElement("li");
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = field;
        box.value = choice.value;
        box.checked = true;
        if (choice.lang) { label.lang = choice.lang; }
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + choice.label));
        if (choice.detail) {
          var detail = document.createElement("span");
          detail.className = "detail";
          detail.textContent = " (" + choice.detail + ")";
          label.appendChild(detail);
        }
        item.appendChild(label);
        chosen.appendChild(item);
      }
      say(choice.label);
      input.value = "";
      close();
      input.focus();
    }

    function show(results) {
      options = results;
      listbox.textContent = "";
      results.forEach(function (choice, i) {
        var node = document.createElement("li");
        node.id = "picker-" + index + "-option-" + i;
        node.setAttribute("role", "option");
        node.setAttribute("aria-selected", "false");
        node.textContent = choice.label;
        if (choice.lang) { node.lang = choice.lang; }
        if (choice.detail) {
          var detail = document.createElement("span");
          detail.className = "detail";
          detail.textContent = " (" + choice.detail + ")";
          node.appendChild(detail);
        }
        // mousedown, not click: the input keeps the focus.
        node.addEventListener("mousedown", function (event) {
          event.preventDefault();
          add(choice);
        });
        listbox.appendChild(node);
      });
      listbox.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function search() {
      var query = input.value.trim();
      var ticket = ++asked;
      if (query.length < 2) { show([]); return; }
      fetch(source + "&q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (ticket === asked) { show(body.results || []); } })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (listbox.hidden && options.length) {
          listbox.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (!listbox.hidden && active >= 0) {
          add(options[active]);
        } else {
          button.click();  // the server-side search, as without JavaScript
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), setup);
})();
