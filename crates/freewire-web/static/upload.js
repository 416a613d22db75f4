// freewire: drag and drop and an upload progress bar for the update form.
// The form works without this script; with it, files can be dropped onto the form and the
// upload shows how far it has got. Served from our own origin (the page's policy allows no
// inline script).
(function () {
  "use strict";
  var form = document.querySelector("form.upload[enctype='multipart/form-data']");
  if (!form || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var input = form.querySelector("input[type=file]");
  var button = form.querySelector("button[type=submit]");

  var zone = document.createElement("p");
  zone.className = "drop-zone hint";
  zone.textContent = "…or drop files onto this form.";
  input.insertAdjacentElement("afterend", zone);

  function stop(event) {
    event.preventDefault();
    event.stopPropagation();
  }
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) {
      stop(event);
      form.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    form.addEventListener(name, function (event) {
      stop(event);
      form.classList.remove("dragging");
    });
  });
  form.addEventListener("drop", function (event) {
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) {
      return;
    }
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
    Array.prototype.forEach.call(files, function (f) { all.items.add(f); });
    input.files = all.files;
    zone.textContent = input.files.length + (input.files.length === 1 ? " file" : " files") + " chosen.";
  });

  var progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  progress.hidden = true;
  progress.setAttribute("aria-label", "Upload progress");
  form.appendChild(progress);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.hidden = false;
        progress.value = Math.round((e.loaded * 100) / e.total);
      }
    });
    request.addEventListener("load", function () {
      if (request.status >= 200 && request.status < 300 && request.responseURL) {
        // The server redirected to the article (fragments do not survive XHR): show it.
        window.location.assign(request.responseURL);
        return;
      }
      // A refusal comes back as the article page with its message: show that page.
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      document.replaceChild(document.adoptNode(page.documentElement), document.documentElement);
    });
    request.addEventListener("error", function () {
      // The script could not send it; let the browser send the form itself.
      form.submit();
    });
    button.disabled = true;
    request.send(new FormData(form));
  });
})();
