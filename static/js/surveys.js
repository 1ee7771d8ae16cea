// Surveys: progressive enhancement only; the questionnaire works without this file (every question is shown
// with a note "answer only if ...", and the server ignores answers to questions whose condition is false).
// Here: conditional sections and questions appear and disappear as the respondent answers, and the error
// summary takes the focus after a failed submit.
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form) {
    return;
  }

  function chosen(fieldName, optionId) {
    var inputs = form.querySelectorAll("input[name='" + fieldName + "']");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].value === optionId && inputs[i].checked && !inputs[i].closest("[hidden]")) {
        return true;
      }
    }
    return false;
  }

  // In document order, so a question depending on a hidden one is hidden too (as the server decides).
  function update() {
    var blocks = form.querySelectorAll("[data-condition-field]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var has = chosen(block.getAttribute("data-condition-field"), block.getAttribute("data-condition-option"));
      var show = block.getAttribute("data-condition-negate") === "1" ? !has : has;
      var source = form.querySelector("[name='" + block.getAttribute("data-condition-field") + "']");
      if (source && source.closest("[hidden]")) {
        show = false;
      }
      block.hidden = !show;
    }
  }

  var notes = form.querySelectorAll(".civic-condition-note");
  for (var n = 0; n < notes.length; n++) {
    notes[n].classList.add("visually-hidden");
  }
  form.addEventListener("change", update);
  update();

  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
  }
})();
