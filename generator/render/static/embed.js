// Outpost banner embed. See the README section "Embed the banner".
// Hand-written, no dependencies. The build fills in HOSTS, CSS, ICONS and LANG and
// minifies it (generator/embeds.py minify_js): no regular-expression or
// template literals, no block comments, comments only on their own lines.
(function () {
  var D = document, HOSTS = OUTPOST_HOSTS, CSS = OUTPOST_CSS, ICONS = OUTPOST_ICONS,
    SVG = "http://www.w3.org/2000/svg", me = D.currentScript, S = "[data-outpost-banner]",
    auto,
    safe = f => x => {
      try {
        f(x);
      } catch {}
    },
    fill = safe(() => {
      // Placeholders that no copy of this script has rendered into yet. One that comes
      // later takes the banner from where the script tag stands, as one there at first
      // would.
      var els = [].filter.call(D.querySelectorAll(S), e => !e.shadowRoot);
      if (els.length && auto) auto = auto.remove();
      els.forEach(safe(setup));
    }),
    place = safe(() => {
      var c = me.dataset.component;
      if (c || !D.querySelector(S)) {
        // A script naming a component, or no placeholder on the page: render where the
        // script tag stands too.
        var el = D.createElement("outpost-banner");
        el.dataset.component = c || "";
        me.before(el);
        setup(el);
        auto = !c && el;
      }
      fill();
      // An app renders placeholders after the page loaded, or renders its page anew:
      // fill them as they come. One look per batch of changes (a fraction of a
      // millisecond on a page of 30,000 elements) costs far less than the change itself.
      new MutationObserver(fill).observe(D, { childList: !0, subtree: !0 });
    });
  // A placeholder may come after the script (one in the head runs before the body is
  // read): look for them once the page is parsed.
  D.readyState == "loading" ? addEventListener("DOMContentLoaded", place) : place();

  function setup(el) {
    var comp = el.dataset.component,
      path = (comp ? "components/" + encodeURIComponent(comp) + "/" : "") + "banner.json",
      key = "outpost:" + HOSTS[0] + path, said = "", last = read(key),
      root = el.attachShadow({ mode: "open" });
    make("style", root, CSS);
    // The live region changes only when the banner does. The age of a saved copy
    // changes every minute: it sits beside the region, updated in place, unannounced.
    var box = make("div", root), age = make("i", root);
    set(box, "role", "status");
    // The words read left to right in a right-to-left portal too: all:initial, on
    // the host and in the stylesheet, leaves direction alone, so the portal's would apply.
    // They are the status site's, so a screen reader speaks them in its language.
    box.dir = age.dir = "ltr";
    box.lang = age.lang = OUTPOST_LANG;

    var show = safe(() => {
      if (!last) return;
      var v = view(last.d, Date.now()), words = v.label + (v.detail ? ": " + v.detail : "");
      age.className = v.state;
      age.textContent = last.old ? "(last checked " + ago(Date.now() - last.t) + ")" : "";
      var sig = v.state + words + last.h;
      if (sig == said) return;
      said = sig;
      box.textContent = "";
      var a = make("a", box, "", v.state), svg = D.createElementNS(SVG, "svg"),
        p = D.createElementNS(SVG, "path");
      a.href = last.h;
      // The line ends in an ellipsis where it does not fit; the title has every word.
      a.title = words;
      set(svg, "viewBox", "0 0 16 16");
      // Its size without the stylesheet too (a policy may block it): else the page's width.
      set(svg, "width", 20);
      set(svg, "aria-hidden", !0);
      set(p, "d", ICONS[v.state]);
      a.appendChild(svg).appendChild(p);
      var t = make("span", a);
      make("b", t, v.label);
      if (v.detail) {
        t.append(": ");
        make("u", t, v.detail);
      }
    }),
      // A storage that refuses the copy (full, blocked) rejects: show runs either way.
      check = safe(() => {
        // A banner the portal took out of its page (rendering it anew) stops asking.
        if (el.isConnected) get(0).then(r => {
          last = r;
          localStorage[key] = JSON.stringify(r);
        }, () => last && (last.old = 1)).then(show, show);
      });

    // Try base_url, then each mirror, each with its own 3-second budget. Hosts let
    // browsers keep banner.json for minutes (GitHub Pages 10): no-cache asks the host
    // each time (a 304 when unchanged), so a re-check sees the status as it is now.
    // Past the last host it throws: get(0) never does, get(i + 1) inside catch rejects.
    function get(i) {
      if (!HOSTS[i]) throw 0;
      return fetch(HOSTS[i] + path, {
        signal: AbortSignal.timeout(3e3), credentials: "omit", referrerPolicy: "no-referrer",
        cache: "no-cache"
      })
        // An error status gives false, which view rejects like any document not ours.
        .then(r => r.ok && r.json())
        .then(d => (view(d, 0), { d, h: HOSTS[i], t: Date.now() }))
        .catch(() => get(i + 1));
    }

    show();
    // Re-check every 5 minutes (3e5 ms); re-evaluate maintenance windows every 30
    // seconds. Numbers in exponent form keep the script in its budget.
    var start = safe(() => {
      check();
      setInterval(check, 3e5);
      setInterval(show, 3e4);
    });
    // Fetch only after the portal's load event, so it is never delayed.
    D.readyState == "complete" ? setTimeout(start) : addEventListener("load", start);
  }

  function set(e, k, v) {
    e.setAttribute(k, v);
  }

  // make(tag, parent, text, class): short names keep the script in its budget. A
  // portal whose policy allows styles by nonce: the script's own nonce lets the
  // banner's stylesheet in, with no source added to the policy; it is checked when
  // the element is added, so the nonce comes first. (No text: undefined, which sets none.)
  function make(g, p, x, c) {
    var e = D.createElement(g);
    e.nonce = me.nonce;
    e.textContent = x;
    if (c) e.className = c;
    p.append(e);
    return e;
  }

  function read(key) {
    try {
      // No copy: undefined, which JSON.parse refuses as it does a damaged one.
      var o = JSON.parse(localStorage[key]);
      view(o.d, 0);
      // Shown without its age until a check fails: most checks succeed, and the
      // banner should not change (and be announced) for nothing.
      return HOSTS.indexOf(o.h) < 0 || typeof o.t != "number" ? null : o;
    } catch {
      return null;
    }
  }

  function ago(ms) {
    var m = Math.max(0, Math.round(ms / 6e4));
    return m < 90 ? m + " min ago" : Math.round(m / 60) + " h ago";
  }

  // The state at view time: maintenance windows move from upcoming to in
  // progress to completed by the clock, without a rebuild. Throws on bad data.
  function view(d, now) {
    var T = d.texts, ls = [], inc = 0, run = 0;
    if (d.version !== 1 || typeof T.none != "string") throw 0;
    d.notices.forEach(n => {
      var g = 0;
      if (n.type == "maintenance") {
        if (now >= Date.parse(n.end)) return;
        g = n.status != "scheduled" || now >= Date.parse(n.start) ? 1 : 2;
        if (g == 1) run++;
      } else inc++;
      ls.push([g, n.detail || n.title, n.label]);
    });
    // Incidents, then maintenance in progress, then upcoming; sort keeps the order within.
    ls.sort((x, y) => x[0] - y[0]);
    // The most important notice by name (its label if an incident), then how many more.
    var k = ls.length, f = ls[0] || [];
    return {
      state: inc ? "incident" : k ? "maintenance" : "none",
      label: inc ? f[2] || T.incident : run ? T.maintenance : k ? T.scheduled : T.none,
      detail: k ? f[1] + (k > 1 ? T[k > 2 ? "more" : "one"] || "" : "").replace("{n}", k - 1) : ""
    };
  }
})();
