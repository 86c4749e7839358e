// Keeps a dashboard page fresh without a reload: every N seconds it fetches the page again and
// swaps the <main> content, unless the user is typing in a form.
(function () {
  const seconds = Number(document.body.dataset.refreshSeconds || 0);
  if (!seconds) return;
  setInterval(async function () {
    const active = document.activeElement;
    if (active && active.closest && active.closest("main form")) return;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok || response.redirected) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("main");
      const stamp = page.getElementById("updated");
      if (fresh) document.querySelector("main").replaceWith(fresh);
      if (stamp) document.getElementById("updated").textContent = stamp.textContent;
    } catch (error) {
      // offline or server restarting: try again at the next tick
    }
  }, seconds * 1000);
})();
