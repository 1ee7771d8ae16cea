// SPID and CIE: a form that carries a signed SAML message goes on its way at once; without JavaScript the
// person presses its button.
document.querySelectorAll('form[data-autosubmit]').forEach(function (form) {
  form.submit();
});
