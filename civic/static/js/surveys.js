// Surveys: progressive enhancement only; the questionnaire works without this file (every question is shown
// with a note "answer only if ...", the server ignores answers to questions whose condition is false, and a
// ranking is a select of positions per option). Here: conditional sections and questions appear and disappear
// as the respondent answers and rankings get "move up / move down" buttons (civic.js gives the error summary
// the focus after a failed submit).
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form) {
    return;
  }

  // Whether the field (radio buttons, checkboxes, a select or a carried hidden field) has the option chosen,
  // and is not hidden.
  function chosen(fieldName, optionId) {
    var fields = form.querySelectorAll("[name='" + fieldName + "']");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.closest("[hidden]")) {
        continue;
      }
      // An answer given on an earlier page travels as a hidden field (one section per page).
      if (field.type === "hidden") {
        if (field.value === optionId) {
          return true;
        }
        continue;
      }
      var choices = field.tagName === "SELECT" ? field.options : [field];
      for (var j = 0; j < choices.length; j++) {
        var on = field.tagName === "SELECT" ? choices[j].selected : choices[j].checked;
        if (on && choices[j].value === optionId) {
          return true;
        }
      }
    }
    return false;
  }

  // One condition: the field has (negated: has not) the option, and the field is not itself hidden.
  function holds(field, optionId, negate) {
    var has = chosen(field, optionId);
    var show = negate ? !has : has;
    var source = form.querySelector("[name='" + field + "']");
    if (source && source.closest("[hidden]")) {
      show = false;
    }
    return show;
  }

  // In document order, so a question depending on a hidden one is hidden too (as the server decides).
  // data-conditions lists [field, option, negated] for every condition; data-condition-any="1" joins them with
  // OR, otherwise with AND.
  function updateConditions() {
    var blocks = form.querySelectorAll("[data-condition-field]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var listed = JSON.parse(block.getAttribute("data-conditions") || "[]");
      if (!listed.length) {
        listed = [[block.getAttribute("data-condition-field"), block.getAttribute("data-condition-option"),
          block.getAttribute("data-condition-negate") === "1" ? 1 : 0]];
      }
      var any = block.getAttribute("data-condition-any") === "1";
      var show = !any;
      for (var j = 0; j < listed.length; j++) {
        var one = holds(listed[j][0], String(listed[j][1]), listed[j][2] === 1);
        show = any ? show || one : show && one;
      }
      block.hidden = !show;
    }
  }

  // Rankings: buttons move an option up or down; the position selects follow the order of the list.
  function renumber(list) {
    var selects = list.querySelectorAll("select");
    for (var i = 0; i < selects.length; i++) {
      selects[i].value = String(i + 1);
    }
  }

  function addButton(item, list, text, direction) {
    var label = item.querySelector("label").textContent;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-primary ms-2";
    button.textContent = text;
    // The visible words come first in the name (WCAG 2.5.3), then which option moves.
    button.setAttribute("aria-label", text + ": " + label);
    button.addEventListener("click", function () {
      var sibling = direction === "up" ? item.previousElementSibling : item.nextElementSibling;
      if (sibling) {
        list.insertBefore(item, direction === "up" ? sibling : sibling.nextElementSibling);
      }
      renumber(list);
      button.focus();
    });
    item.appendChild(button);
  }

  var rankings = form.querySelectorAll("[data-ranking]");
  for (var r = 0; r < rankings.length; r++) {
    var items = rankings[r].querySelectorAll("li");
    for (var k = 0; k < items.length; k++) {
      addButton(items[k], rankings[r], rankings[r].getAttribute("data-label-up"), "up");
      addButton(items[k], rankings[r], rankings[r].getAttribute("data-label-down"), "down");
    }
  }

  var notes = form.querySelectorAll(".civic-condition-note");
  for (var n = 0; n < notes.length; n++) {
    notes[n].classList.add("visually-hidden");
  }
  form.addEventListener("change", updateConditions);
  updateConditions();
})();
