// The booth's payment frame: post the order's signed form to the gateway at once (the page's
// button does the same for whoever has scripts off).
const form = document.getElementById("pay-form");
if (form) form.submit();
