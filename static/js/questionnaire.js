/* The expert's questionnaire: save every change at once, one section at a time, submit.
 *
 * Without this script the page still works: each section is a form whose "Next" button saves
 * it, and "Submit" is a plain form post. With it, every change is sent as a small JSON request
 * (POST answerUrl {node, measure, value, reason?}), sections are shown one at a time, and the
 * review step lists what is still missing. Changes not yet confirmed by the server are kept in
 * localStorage, so a closed tab or a lost connection loses nothing.
 */
(function () {
  "use strict";

  var root = document.getElementById("questionnaire");
  var configNode = document.getElementById("questionnaire-config");
  if (!root || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  if (config.readonly) return;
  var S = config.strings;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var storageKey = "delphi-journal:" + config.answerUrl;
  var skippedKey = "delphi-skipped:" + config.answerUrl;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode or full: the server copy is what counts */ }
  }

  function load(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  root.classList.add("is-enhanced");

  // --- Status line ----------------------------------------------------------------------------

  var statusNode = document.getElementById("q-save-status");
  function setStatus(kind, message) {
    if (!statusNode) return;
    statusNode.dataset.state = kind;
    statusNode.textContent = message;
  }

  // --- Reading the page -----------------------------------------------------------------------

  function questionOf(element) {
    return element.closest("[data-question]");
  }

  function leafOf(element) {
    return element.closest("[data-leaf]");
  }

  function controls(question) {
    return Array.prototype.slice.call(question.querySelectorAll("[data-node][data-measure]"));
  }

  function parseValue(measure, raw) {
    if ((measure === "familiarity" || measure === "importance") && /^-?\d+$/.test(raw)) {
      return parseInt(raw, 10);
    }
    return raw;
  }

  function valueOf(question) {
    var measure = question.dataset.question;
    var inputs = controls(question);
    if (measure === "comment") {
      var text = inputs[0].value.trim();
      return text === "" ? null : text;
    }
    if (measure === "stages") {
      return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    var checked = inputs.filter(function (i) { return i.checked; })[0];
    return checked ? parseValue(measure, checked.value) : null;
  }

  function isAnswered(question) {
    if (question.dataset.question === "stages") {
      return question.hasAttribute("data-answered") || valueOf(question).length > 0;
    }
    return valueOf(question) !== null;
  }

  // Outside the previous round's interquartile range (method: below q1 or above q3).
  function isOutside(question) {
    if (!question.hasAttribute("data-q1")) return false;
    var q1 = parseFloat(question.dataset.q1);
    var q3 = parseFloat(question.dataset.q3);
    var number = null;
    if (question.dataset.question === "importance") {
      var value = valueOf(question);
      if (typeof value === "number") number = value;
    } else if (question.dataset.question === "maturity") {
      var checked = controls(question).filter(function (i) { return i.checked; })[0];
      if (checked && checked.dataset.years) number = parseFloat(checked.dataset.years);
    }
    return number !== null && (number < q1 || number > q3);
  }

  function leafState(leaf) {
    var any = false;
    var missing = [];
    leaf.querySelectorAll("[data-question]").forEach(function (question) {
      if (isAnswered(question)) any = true;
      else if (question.hasAttribute("data-required")) missing.push(question.dataset.label);
    });
    return { status: !any ? "empty" : missing.length ? "partial" : "complete", missing: missing };
  }

  // --- Showing state --------------------------------------------------------------------------

  var leaves = Array.prototype.slice.call(root.querySelectorAll("[data-leaf]"));
  var sections = Array.prototype.slice.call(root.querySelectorAll("[data-section]"));
  var skipped = load(skippedKey) || [];

  function refreshLeaf(leaf) {
    var state = leafState(leaf);
    leaf.dataset.status = state.status;
    var badge = leaf.querySelector("[data-leaf-status]");
    if (badge) badge.textContent = S[state.status];
    return state;
  }

  function refreshReason(question) {
    var box = question.querySelector("[data-reason-box]");
    if (box) box.hidden = !isOutside(question);
  }

  function refreshProgress() {
    var answered = 0;
    leaves.forEach(function (leaf) {
      if (leaf.dataset.status === "complete") answered += 1;
    });
    var total = leaves.length;
    var bar = document.getElementById("q-progress");
    if (bar) {
      bar.max = total;
      bar.value = answered;
    }
    var text = document.getElementById("q-progress-text");
    if (text) text.textContent = fmt(S.progress, { answered: answered, total: total });
    sections.forEach(function (section) {
      var link = root.querySelector('[data-step="' + section.id + '"] [data-step-count]');
      if (!link) return;
      var own = section.querySelectorAll("[data-leaf]");
      var done = section.querySelectorAll('[data-leaf][data-status="complete"]');
      link.textContent = done.length + "/" + own.length;
    });
  }

  function setSkipped(leaf, on) {
    var code = leaf.dataset.leaf;
    var note = leaf.querySelector("[data-skipped-note]");
    var questions = leaf.querySelector("[data-questions]");
    var button = leaf.querySelector("[data-skip]");
    leaf.classList.toggle("is-skipped", on);
    if (note) note.hidden = !on;
    if (questions) questions.hidden = on;
    if (button) button.hidden = on;
    skipped = skipped.filter(function (c) { return c !== code; });
    if (on) skipped.push(code);
    store(skippedKey, skipped.length ? skipped : null);
  }

  // --- Saving ---------------------------------------------------------------------------------

  var pending = new Map(); // "node|measure" -> payload; the latest change of a question wins
  var inFlight = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var textTimers = new Map(); // question -> timer of a text box being typed in

  // The journal of this device's changes, kept in localStorage: those the server has not
  // confirmed (for two weeks), and those it confirmed in the last two minutes, because a page
  // reloaded at once can be rendered by the server before a save sent just before has committed.
  var journal = new Map(); // "node|measure" -> {payload, at, confirmed}
  var UNCONFIRMED_FOR = 14 * 24 * 3600 * 1000;
  var CONFIRMED_FOR = 2 * 60 * 1000;

  function isFresh(entry) {
    var age = Date.now() - entry.at;
    return age < (entry.confirmed ? CONFIRMED_FOR : UNCONFIRMED_FOR);
  }

  function keep() {
    var entries = Array.from(journal.values()).filter(isFresh);
    store(storageKey, entries.length ? entries : null);
  }

  function settle(batch, accepted) {
    batch.forEach(function (payload) {
      var key = payload.node + "|" + payload.measure;
      var entry = journal.get(key);
      if (!entry || entry.payload !== payload) return; // a newer change is on its way
      if (accepted) {
        entry.confirmed = true;
        entry.at = Date.now();
      } else {
        journal.delete(key); // refused for good: sending it again cannot help
      }
    });
    keep();
  }

  function payloadFor(question) {
    var first = controls(question)[0];
    var payload = {
      node: first.dataset.node,
      measure: first.dataset.measure,
      value: valueOf(question),
    };
    var reason = question.querySelector("[data-reason]");
    if (reason) payload.reason = isOutside(question) ? reason.value.trim() : "";
    return payload;
  }

  function queue(payload) {
    var key = payload.node + "|" + payload.measure;
    pending.delete(key); // re-inserted last: requests keep the order of the changes
    pending.set(key, payload);
    journal.set(key, { payload: payload, at: Date.now(), confirmed: false });
    keep();
    setStatus("saving", S.saving);
    pump();
  }

  function requeue(batch) {
    batch.forEach(function (payload) {
      var key = payload.node + "|" + payload.measure;
      if (!pending.has(key)) pending.set(key, payload); // a newer change supersedes it
    });
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      pump();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function pump() {
    if (inFlight || pending.size === 0) return;
    var batch = Array.from(pending.values());
    pending.clear();
    inFlight = true;
    fetch(config.answerUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrf,
      },
      body: JSON.stringify(batch.length === 1 ? batch[0] : { answers: batch }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () { return {}; })
          .then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        inFlight = false;
        if (result.status === 200) {
          retryDelay = 1000;
          settle(batch, true);
          refreshProgress();
          batch.forEach(function (payload) {
            var question = root.querySelector(
              '[data-leaf="' + CSS.escape(payload.node) + '"] [data-question="' + payload.measure + '"]'
            );
            if (question) question.toggleAttribute("data-answered", payload.value !== null);
          });
          if (config.submitted) showChanged(true);
          if (pending.size) pump();
          else if (!textTimers.size) setStatus("saved", S.saved); // typing still to be saved
        } else if (result.status === 403) {
          requeue(batch);
          setStatus("error", S.reload);
        } else if (result.status === 409 || result.status === 410 || result.status === 404) {
          settle(batch, false);
          setStatus("error", result.data.error || S.reload);
        } else if (result.status >= 500 || result.status === 429) {
          requeue(batch);
          setStatus("retrying", S.retrying);
          scheduleRetry();
        } else {
          settle(batch, false);
          setStatus("error", fmt(S.failed, { message: result.data.error || result.status }));
          if (pending.size) pump();
        }
      })
      .catch(function () {
        inFlight = false;
        requeue(batch);
        setStatus("offline", S.offline);
        scheduleRetry();
      });
  }

  function flushTexts() {
    textTimers.forEach(function (timer, question) {
      window.clearTimeout(timer);
      queue(payloadFor(question));
    });
    textTimers.clear();
  }

  function whenSaved() {
    flushTexts();
    return new Promise(function (resolve) {
      (function wait() {
        if (!inFlight && pending.size === 0) resolve();
        else window.setTimeout(wait, 100);
      })();
    });
  }

  function showChanged(on) {
    var banner = root.querySelector("[data-changed-banner]");
    if (banner) banner.hidden = !on;
  }

  function changed(question) {
    var leaf = leafOf(question);
    if (leaf.classList.contains("is-skipped")) setSkipped(leaf, false);
    refreshReason(question);
    queue(payloadFor(question));
    refreshLeaf(leaf);
    refreshProgress();
    renderReview();
  }

  root.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches("input[data-node][data-measure]")) return;
    changed(questionOf(target));
  });

  // Text is saved once typing pauses, and at once when the box loses focus.
  root.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.matches("textarea[data-node], textarea[data-reason]")) return;
    var question = questionOf(target);
    setStatus("saving", S.saving); // typing is a change not yet saved
    window.clearTimeout(textTimers.get(question));
    textTimers.set(
      question,
      window.setTimeout(function () {
        textTimers.delete(question);
        queue(payloadFor(question));
        refreshLeaf(leafOf(question));
        refreshProgress();
        renderReview();
      }, 700)
    );
  });
  root.addEventListener("focusout", function (event) {
    var target = event.target;
    if (!target.matches("textarea[data-node], textarea[data-reason]")) return;
    var question = questionOf(target);
    if (!textTimers.has(question)) return;
    window.clearTimeout(textTimers.get(question));
    textTimers.delete(question);
    queue(payloadFor(question));
    refreshLeaf(leafOf(question));
    refreshProgress();
    renderReview();
  });

  // Enter on a choice would submit the section form (the browser's implicit submission).
  root.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("input[type=radio], input[type=checkbox]")) {
      event.preventDefault();
    }
  });

  // Leaving the page sends what is being typed. No "leave this page?" prompt: requests are sent
  // with keepalive, and what the server has not confirmed is kept in localStorage and sent again
  // on the next visit.
  window.addEventListener("pagehide", flushTexts);
  window.addEventListener("online", function () {
    retryDelay = 1000;
    pump();
  });

  // --- Skipping a field -----------------------------------------------------------------------

  root.addEventListener("click", function (event) {
    var skip = event.target.closest("[data-skip]");
    var unskip = event.target.closest("[data-unskip]");
    if (skip) {
      var leaf = leafOf(skip);
      var batch = [];
      leaf.querySelectorAll("[data-question]").forEach(function (question) {
        controls(question).forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") input.checked = false;
          else input.value = "";
        });
        var reason = question.querySelector("[data-reason]");
        if (reason) reason.value = "";
        refreshReason(question);
        question.removeAttribute("data-answered");
        batch.push({ node: leaf.dataset.leaf, measure: question.dataset.question, value: null });
      });
      batch.forEach(queue);
      setSkipped(leaf, true);
      refreshLeaf(leaf);
      refreshProgress();
      renderReview();
      var note = leaf.querySelector("[data-unskip]");
      if (note) note.focus();
    } else if (unskip) {
      var skippedLeaf = leafOf(unskip);
      setSkipped(skippedLeaf, false);
      var first = skippedLeaf.querySelector("[data-node]");
      if (first) first.focus();
    }
  });

  // --- One section at a time ------------------------------------------------------------------

  var current = 0;

  function show(index, focus) {
    index = Math.max(0, Math.min(sections.length - 1, index));
    current = index;
    sections.forEach(function (section, i) {
      section.hidden = i !== index;
    });
    root.querySelectorAll("[data-step]").forEach(function (link) {
      if (link.dataset.step === sections[index].id) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    if (sections[index].hasAttribute("data-review")) renderReview();
    if (focus) {
      // Only on the expert's moves: a fragment set while the page loads makes the browser
      // scroll to it when loading completes.
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#" + sections[index].id);
      }
      var heading = sections[index].querySelector(".q-section__title");
      root.scrollIntoView({ block: "start" });
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  function sectionIndexOf(id) {
    var target = id ? document.getElementById(id) : null;
    if (!target) return -1;
    var section = target.closest("[data-section]");
    return sections.indexOf(section);
  }

  function goTo(id) {
    var index = sectionIndexOf(id);
    if (index < 0) return false;
    show(index, false);
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#" + id);
    var target = document.getElementById(id);
    if (target.matches("[data-leaf]")) target = target.querySelector(".leaf__name") || target;
    else if (target.matches("[data-section]")) target = target.querySelector(".q-section__title");
    target.scrollIntoView({ block: "start" });
    if (target.focus) target.focus({ preventScroll: true });
    return true;
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-section]")) {
      event.preventDefault(); // answers are saved already: "Next" only moves on
      flushTexts();
      show(current + 1, true);
    } else if (form.matches("[data-submit-form]")) {
      event.preventDefault();
      submit();
    }
  });

  root.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link || !root.contains(link)) return;
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    if (link.matches("[data-action=prev]")) {
      event.preventDefault();
      show(current - 1, true);
    } else if (goTo(id)) {
      event.preventDefault();
    }
  });

  // --- Review and submit ----------------------------------------------------------------------

  function leafLink(leaf) {
    var link = document.createElement("a");
    link.href = "#" + leaf.id;
    link.textContent = leaf.querySelector(".leaf__name").textContent.trim();
    return link;
  }

  function renderList(container, items, emptyText, describe) {
    if (!container) return;
    var heading = container.querySelector("h3");
    container.textContent = "";
    if (heading) container.appendChild(heading);
    if (!items.length) {
      var empty = document.createElement("p");
      empty.className = "muted";
      empty.textContent = emptyText;
      container.appendChild(empty);
      return;
    }
    var list = document.createElement("ul");
    list.className = "q-list";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.appendChild(leafLink(item.leaf));
      var more = describe(item);
      if (more) li.appendChild(document.createTextNode(" — " + more));
      list.appendChild(li);
    });
    container.appendChild(list);
  }

  var emptyTexts = {};
  ["data-review-incomplete", "data-review-unanswered"].forEach(function (attribute) {
    var node = root.querySelector("[" + attribute + "] p.muted");
    emptyTexts[attribute] = node ? node.textContent : "";
  });

  function renderReview() {
    var incomplete = [];
    var unanswered = [];
    leaves.forEach(function (leaf) {
      var state = leafState(leaf);
      if (state.status === "partial") incomplete.push({ leaf: leaf, missing: state.missing });
      else if (state.status === "empty") unanswered.push({ leaf: leaf });
    });
    renderList(
      root.querySelector("[data-review-incomplete]"),
      incomplete,
      emptyTexts["data-review-incomplete"] || S.nothingMissing,
      function (item) {
        return fmt(S.missing, { questions: item.missing.join(S.listSeparator) });
      }
    );
    renderList(
      root.querySelector("[data-review-unanswered]"),
      unanswered,
      emptyTexts["data-review-unanswered"],
      function () { return ""; }
    );
  }

  function submit() {
    var result = document.getElementById("q-submit-result");
    var button = root.querySelector("[data-action=submit]");
    button.disabled = true;
    delete result.dataset.submitted;
    result.className = "q-submit-result";
    result.textContent = S.submitting;
    whenSaved()
      .then(function () {
        return fetch(config.submitUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": csrf },
        });
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () { return {}; })
          .then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (outcome) {
        button.disabled = false;
        result.textContent = "";
        if (outcome.status === 200 && outcome.data.submitted) {
          config.submitted = true;
          showChanged(false);
          result.className = "q-submit-result is-ok";
          result.textContent = S.submittedNow;
          result.dataset.submitted = "true";
          return;
        }
        result.className = "q-submit-result is-error";
        var title = document.createElement("p");
        title.textContent = S.submitFailed;
        result.appendChild(title);
        var problems = outcome.data.problems || [];
        if (!problems.length) {
          var message = document.createElement("p");
          message.textContent = outcome.data.error || S.reload;
          result.appendChild(message);
          return;
        }
        var list = document.createElement("ul");
        problems.forEach(function (problem) {
          var li = document.createElement("li");
          var leaf = problem.node ? document.getElementById("leaf-" + problem.node) : null;
          if (leaf) {
            li.appendChild(leafLink(leaf));
            li.appendChild(document.createTextNode(" — " + problem.label + ": " + problem.message));
          } else {
            li.textContent = problem.message;
          }
          list.appendChild(li);
        });
        result.appendChild(list);
        result.focus();
      })
      .catch(function () {
        button.disabled = false;
        result.className = "q-submit-result is-error";
        result.textContent = S.offline;
      });
  }

  // --- Start ----------------------------------------------------------------------------------

  // Changes the server may not have (tab closed, connection lost, a reload faster than the last
  // save) are put back first, and sent again: saving the same answer twice changes nothing.
  var saved = load(storageKey);
  if (Array.isArray(saved)) {
    saved.filter(isFresh).forEach(function (entry) {
      var payload = entry.payload;
      var question = root.querySelector(
        '[data-leaf="' + CSS.escape(payload.node) + '"] [data-question="' + payload.measure + '"]'
      );
      if (!question) return;
      controls(question).forEach(function (input) {
        if (input.type === "radio") input.checked = payload.value !== null && input.value === String(payload.value);
        else if (input.type === "checkbox") input.checked = (payload.value || []).indexOf(input.value) >= 0;
        else input.value = payload.value || "";
      });
      var reason = question.querySelector("[data-reason]");
      if (reason && payload.reason) reason.value = payload.reason;
      queue(payload);
    });
  }
  keep();

  // Skipping needs this script: the buttons are hidden until it runs.
  root.querySelectorAll("[data-skip]").forEach(function (button) { button.hidden = false; });
  leaves.forEach(function (leaf) {
    leaf.querySelectorAll("[data-question]").forEach(refreshReason);
    var state = refreshLeaf(leaf);
    if (skipped.indexOf(leaf.dataset.leaf) >= 0 && state.status === "empty") setSkipped(leaf, true);
  });
  refreshProgress();
  if (!pending.size) setStatus("saved", S.saved);

  // Links from elsewhere (and the browser's back button) change only the fragment.
  window.addEventListener("hashchange", function () {
    goTo(decodeURIComponent(window.location.hash.slice(1)));
  });

  var start = window.location.hash ? sectionIndexOf(decodeURIComponent(window.location.hash.slice(1))) : -1;
  show(start >= 0 ? start : 0, false);
  if (start >= 0) goTo(decodeURIComponent(window.location.hash.slice(1)));
})();
