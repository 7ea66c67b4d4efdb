// Outpost banner embed. See the README section "Embed the banner".
// Hand-written, no dependencies. The build fills in the hosts (H), CSS, ICONS and LANG and
// minifies it (generator/embeds.py minify_js): no regular-expression or
// template literals, no block comments, comments only on their own lines. Helpers are
// arrow functions in one var statement: shorter, so the script keeps its budget, and
// hence defined before the last line starts it all.
(function () {
  var D = document, H = OUTPOST_HOSTS,
    S = "[data-outpost-banner]", B = "outpost-banner", Q = S + "," + B + "[data-component]",
    // A module (type="module") has no currentScript: its tag is the one loading this
    // file by its name (a module runs once, however many tags load it), after a '/' so
    // that a portal's own 'lite-yt-embed.js' is not taken for it. With neither,
    // placeholders still get the banner.
    me = D.currentScript || D.querySelector('[src$="/embed.js"]'),
    // T(f): f, with whatever it throws caught (the portal's page never sees it).
    T = f => x => {
      try {
        return f(x);
      } catch {}
    },
    // A(e): e's new shadow root. Only some elements can hold one (<li>, <td>, <a>
    // cannot): undefined.
    A = T(e => e.attachShadow({ mode: "open" })),
    fill = T(() => {
      // Placeholders that no copy of this script has rendered into yet, or whose banner
      // stopped while out of the page, and banners rendered where a script tag stands
      // (data-component) that stopped (e.outpost: 1 while it runs, else what restarts
      // it): an app may put any of them back. A new placeholder takes the banner from
      // where the script tag stands, as one there at first would. D[H]: the site-wide
      // banner rendered where a script tag stands, one per site (its hosts name it) for
      // every copy of this script on the page.
      var els = [...D.querySelectorAll(Q)]
        .filter(e => e.outpost != 1);
      if (D[H] && els.some(e => !e.outpost)) D[H] = D[H].remove();
      els.forEach(T(e => (e.outpost || U)(e)));
    }),
    place = T(() => {
      fill();
      // An app renders placeholders after the page loaded, or renders its page anew:
      // fill them as they come. Only the nodes a batch of changes added are looked at,
      // and the page only when one is or holds a placeholder or a banner: a look at the
      // whole page on every change cost a busy page of 100,000 elements 10 ms a change.
      new MutationObserver(r => r.some(m => [...m.addedNodes].some(n =>
        n.matches?.(Q) || n.querySelector?.(Q))) && fill())
        .observe(D, { childList: 1, subtree: 1 });
      var c = me.dataset.component;
      if (c || !(D.querySelector(S) || D[H]?.isConnected)) {
        // A script naming a component, or no placeholder on the page: render where the
        // script tag stands too, unless a copy for the same site did (its line pasted
        // twice, or the line and the one tag) and its banner is still in the page: a
        // portal swapping its body for the next page's (Turbo, htmx, pjax) runs the
        // next page's copy, which renders there.
        var el = D.createElement(B);
        el.dataset.component = c || "";
        me.before(el);
        U(el);
        c || (D[H] = el);
      }
    }),

    // U(el): the banner, set up in el.
    U = el => {
      // Marked, as its shadow root may be a child's.
      el.outpost = 1;
      var comp = el.dataset.component,
        path = (comp ? "components/" + encodeURIComponent(comp) + "/" : "") + "banner.json",
        // got: the banner.json shown, the last a host gave (or the copy saved then).
        key = "outpost:" + H[0] + path, said, got = read(key),
        // An element that cannot hold a shadow root gets the banner in a child that can.
        root = A(el) || A(E(B, el));
      E("style", root, OUTPOST_CSS);
      // The live region changes only when the banner does. The age of a saved copy
      // changes every minute: it sits beside the region, updated in place, unannounced.
      var box = E("div", root), age = E("i", root);
      // role and aria-hidden set as properties (ARIA reflection, as ariaLabel below):
      // fewer bytes of the budget than setAttribute.
      box.role = "status";
      // The words read left to right in a right-to-left portal too: all:initial, on
      // the host and in the stylesheet, leaves direction alone, so the portal's would apply.
      // They are the status site's, so a screen reader speaks them in its language.
      box.dir = age.dir = "ltr";
      box.lang = age.lang = OUTPOST_LANG;

      var show = T(() => {
        if (!got) return;
        var now = Date.now(), v = view(got.d, now),
          // w: every word of the banner.
          w = v.label + (v.detail ? ": " + v.detail : ""),
          m = Math.max(0, Math.round((now - got.t) / 6e4));
        age.className = v.state;
        age.textContent = got.old ? "(last checked " + (
          m < 90 ? m + " min" : Math.round(m / 60) + " h") + " ago)" : "";
        // Unchanged (what it was said is what it would say): nothing to announce.
        if (said == (said = v.state + w + got.h)) return;
        box.textContent = "";
        var a = E("a", box), svg = ns("svg", a), p = ns("path", svg), t = E("span", a);
        a.className = v.state;
        a.href = got.h;
        // The line ends in an ellipsis where it does not fit; the title has every word,
        // and so has the name, given as its parts are boxes of their own (a name read
        // from them would be spaced apart: 'Partial outage : ...').
        a.title = a.ariaLabel = w;
        set(svg, "viewBox", "0 0 16 16");
        // Its size, with or without the stylesheet (a policy may block it): 20 px square
        // by its viewBox. Without it, the page's width.
        set(svg, "width", 20);
        svg.ariaHidden = !0;
        set(p, "d", OUTPOST_ICONS[v.state]);
        E("b", t, v.label);
        if (v.detail) {
          t.append(": ");
          // The title in a <bdi>, apart from the words after it, as on the site banner:
          // a right-to-left title ending in '.' or ')' is drawn whole. Each in its own
          // box (t: the link's <u>), so that a title too long for the line is cut alone.
          E("bdi", t = E("u", t), v.f[3]);
          E("span", t, v.detail.slice(v.f[3].length));
        }
      }),
        // A storage that refuses the copy (full, blocked) rejects: show runs either way.
        check = T(() => get(0).then(r => {
          got = r;
          localStorage[key] = JSON.stringify(r);
        }, () => got && (got.old = 1)).then(show, show)),
        // Try base_url, then each mirror, each with its own 3-second budget. Hosts let
        // browsers keep banner.json for minutes (GitHub Pages 10): no-cache asks the host
        // each time (a 304 when unchanged), so a re-check sees the status as it is now.
        // Past the last host it throws: get(0) never does, get(i + 1) inside catch rejects.
        // An empty referrer sends none (as referrerPolicy "no-referrer", in fewer bytes).
        get = i => {
          if (!H[i]) throw 0;
          return fetch(H[i] + path, {
            signal: AbortSignal.timeout(3e3), credentials: "omit", referrer: "",
            cache: "no-cache"
          })
            // An error status gives false, which view rejects like any document not ours.
            .then(r => r.ok && r.json())
            .then(d => (view(d, 0), { d, h: H[i], t: Date.now() }))
            .catch(() => get(i + 1));
        },
        // Re-evaluate maintenance windows every 30 seconds (3e4 ms), and re-check when
        // the last check is 5 minutes old (29e4: not a tick later for a millisecond).
        // By the clock, not by counting ticks: a page restored from the back/forward
        // cache runs its late tick at once, its timers paused since the reader left,
        // and re-checks then. (performance.now: the computer's clock may be set back.)
        // Numbers in exponent form keep the script in its budget. A banner the portal
        // took out of its page (a single-page app rendering anew) stops, until the page
        // puts it back.
        at, timer,
        tick = (n = performance.now()) => el.isConnected ? (show(), n - at < 29e4 || check(at = n))
          : (clearInterval(timer), el.outpost = start),
        start = () => {
          el.outpost = 1;
          // Set before the first tick, which clears it for a banner out of the page
          // (taken out before the load event started it).
          timer = setInterval(tick, 3e4);
          tick();
        };

      show();
      // Fetch only after the portal's load event, so it is never delayed.
      D.readyState == "complete" ? start() : addEventListener("load", start);
    },

    set = (e, k, v) => e.setAttribute(k, v),

    // E(tag, parent, text): make an element; short names keep the script in its budget. A
    // portal whose policy allows styles by nonce: the script's own nonce lets the
    // banner's stylesheet in, with no source added to the policy; it is checked when
    // the element is added, so the nonce comes first. (No text: undefined, which sets none.)
    E = (g, p, x, e = D.createElement(g)) => (
      e.nonce = me?.nonce, e.textContent = x, p.append(e), e),
    // ns(tag, parent): an SVG element, added.
    ns = (g, p) => p.appendChild(D.createElementNS("http://www.w3.org/2000/svg", g)),

    read = T(key => {
      // No copy: undefined, which JSON.parse refuses as it does a damaged one.
      var o = JSON.parse(localStorage[key]);
      view(o.d, 0);
      // Shown without its age until a check fails: most checks succeed, and the
      // banner should not change (and be announced) for nothing.
      return H.includes(o.h) && o.t > 0 && o;
    }),

    // The state at view time: maintenance windows move from upcoming to in
    // progress to completed by the clock, without a rebuild. Throws on bad data.
    view = (d, now) => {
      var T = d.texts, ls = [], inc = 0, run = 0;
      if (d.version != 1 || !T.none) throw 0;
      d.notices.forEach(n => {
        var g = 0;
        if (n.type == "maintenance") {
          if (now >= new Date(n.end)) return;
          g = n.status != "scheduled" || now >= new Date(n.start) ? 1 : 2;
          run += g == 1;
        } else inc++;
        ls.push([g, n.detail || n.title, n.label, n.title]);
      });
      // Incidents, then maintenance in progress, then upcoming; sort keeps the order within.
      ls.sort((x, y) => x[0] - y[0]);
      // The most important notice by name (its label if an incident), then how many more.
      var k = ls.length, f = ls[0] || [];
      return {
        state: inc ? "incident" : k ? "maintenance" : "none",
        label: inc ? f[2] || T.incident : run ? T.maintenance : k ? T.scheduled : T.none,
        // The notice named: its detail starts with its title (f[3]).
        f,
        detail: k ? f[1] + (k > 1 ? T[k > 2 ? "more" : "one"] || "" : "").replace("{n}", k - 1) : ""
      };
    };

  // A placeholder may come after the script (one in the head runs before the body is
  // read): look for them once the page is parsed.
  D.readyState == "loading" ? addEventListener("DOMContentLoaded", place) : place();
})();
