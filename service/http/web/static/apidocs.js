/* newsprism API docs: renders /api/v1/openapi.json (generated from the code) into #ops.
   Every piece of text goes through textContent: nothing from the spec is parsed as HTML.
   No inline script or style (the page's CSP forbids both); classes are styled in apidocs.css. */
(function () {
  "use strict";

  var SPEC_URL = "/api/v1/openapi.json";
  var METHODS = ["get", "post", "put", "patch", "delete"];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      if (arguments[i]) { parent.appendChild(arguments[i]); }
    }
    return parent;
  }

  /* docstrings keep their source indentation: drop the common indent of the later lines */
  function dedent(text) {
    var lines = String(text).split("\n");
    var indent = null;
    lines.slice(1).forEach(function (l) {
      if (!l.trim()) { return; }
      var n = l.length - l.replace(/^\s+/, "").length;
      indent = indent === null ? n : Math.min(indent, n);
    });
    return lines.map(function (l, i) { return i && indent ? l.slice(indent) : l; }).join("\n");
  }

  function resolve(spec, schema, depth) {
    depth = depth || 0;
    if (!schema || typeof schema !== "object" || depth > 8) { return schema || {}; }
    if (typeof schema.$ref === "string" && schema.$ref.indexOf("#/components/schemas/") === 0) {
      var name = schema.$ref.slice("#/components/schemas/".length);
      var target = ((spec.components || {}).schemas || {})[name];
      return target ? resolve(spec, target, depth + 1) : {};
    }
    return schema;
  }

  function refName(schema) {
    if (schema && typeof schema.$ref === "string") {
      return schema.$ref.split("/").pop();
    }
    return null;
  }

  /* a one-line type description: "string (date-time)", "integer, 1 … 200", "a | b | null" */
  function typeText(spec, schema, depth) {
    depth = depth || 0;
    if (!schema || depth > 6) { return "any"; }
    var named = refName(schema);
    if (named) { return named; }
    if (schema.anyOf || schema.oneOf) {
      var parts = (schema.anyOf || schema.oneOf).map(function (s) { return typeText(spec, s, depth + 1); });
      return parts.filter(function (p, i) { return parts.indexOf(p) === i; }).join(" | ");
    }
    if (schema.enum) {
      return schema.enum.map(function (v) { return JSON.stringify(v); }).join(" | ");
    }
    if (schema.const !== undefined) { return JSON.stringify(schema.const); }
    var t = schema.type;
    if (Array.isArray(t)) { t = t.join(" | "); }
    if (t === "array") {
      return "array of " + typeText(spec, schema.items || {}, depth + 1);
    }
    var text = t || (schema.properties ? "object" : "any");
    var notes = [];
    if (schema.format) { notes.push(schema.format); }
    if (schema.minimum !== undefined || schema.maximum !== undefined) {
      notes.push((schema.minimum !== undefined ? schema.minimum : "…") + " … " +
                 (schema.maximum !== undefined ? schema.maximum : "…"));
    }
    if (schema.minLength !== undefined) { notes.push("≥ " + schema.minLength + " chars"); }
    if (schema.maxLength !== undefined) { notes.push("≤ " + schema.maxLength + " chars"); }
    if (schema.default !== undefined && schema.default !== null) { notes.push("default " + JSON.stringify(schema.default)); }
    return notes.length ? text + " (" + notes.join(", ") + ")" : text;
  }

  function table(headers, rows) {
    var t = el("table", "fields");
    var head = el("tr");
    headers.forEach(function (h) { add(head, el("th", null, h)); });
    add(t, add(el("thead"), head));
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (cell, i) {
        var td = el("td", i === 0 ? "name" : null);
        if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = cell === undefined || cell === null ? "" : String(cell); }
        add(tr, td);
      });
      add(body, tr);
    });
    return add(t, body);
  }

  function schemaBlock(spec, schema) {
    var wrap = el("div", "schema");
    var variants = schema.oneOf || schema.anyOf;
    if (variants && !schema.properties) {
      add(wrap, el("p", "note", "One of:"));
      variants.forEach(function (v) {
        var name = refName(v);
        var box = el("div", "variant");
        if (name) { add(box, el("h5", null, name)); }
        add(box, propsTable(spec, resolve(spec, v)));
        add(wrap, box);
      });
      return wrap;
    }
    var name = refName(schema);
    if (name) { add(wrap, el("h5", null, name)); }
    var resolved = resolve(spec, schema);
    if (resolved.description) { add(wrap, el("p", "note", resolved.description)); }
    return add(wrap, propsTable(spec, resolved));
  }

  function propsTable(spec, schema) {
    var props = schema.properties || {};
    var required = schema.required || [];
    var names = Object.keys(props);
    if (!names.length) { return el("p", "note", typeText(spec, schema)); }
    return table(["field", "type", "required", "description"], names.map(function (n) {
      var p = props[n] || {};
      return [n, typeText(spec, p), required.indexOf(n) >= 0 ? "yes" : "", p.description || ""];
    }));
  }

  function example(op, method, path) {
    var line = "curl";
    if (method !== "get") { line += " -X " + method.toUpperCase(); }
    if (op.security) { line += " -H 'Authorization: Bearer $NEWSPRISM_KEY'"; }
    if (op.requestBody) { line += " -H 'Content-Type: application/json' -d '{…}'"; }
    return line + " '" + window.location.origin + path + "'";
  }

  function operation(spec, path, method, op) {
    var box = el("details", "op op-" + method);
    box.id = op.operationId || (method + path);
    var sum = el("summary");
    add(sum, el("span", "method", method.toUpperCase()), el("code", "path", path), el("span", "summary", op.summary || ""));
    if (op.security) { add(sum, el("span", "badge", "API key")); }
    add(box, sum);
    var outer = box;
    box = add(outer, el("div", "op-body"));
    if (op.description) { add(box, el("p", "description", dedent(op.description))); }
    var params = op.parameters || [];
    if (params.length) {
      add(box, el("h4", null, "Parameters"));
      add(box, table(["name", "in", "type", "required", "description"], params.map(function (p) {
        return [p.name, p.in, typeText(spec, p.schema || {}), p.required ? "yes" : "", p.description || (p.schema || {}).description || ""];
      })));
    }
    if (op.requestBody) {
      add(box, el("h4", null, "Request body (application/json)"));
      var content = (op.requestBody.content || {})["application/json"] || {};
      add(box, schemaBlock(spec, content.schema || {}));
    }
    add(box, el("h4", null, "Responses"));
    var statuses = Object.keys(op.responses || {}).sort();
    add(box, table(["status", "description", "content"], statuses.map(function (code) {
      var r = op.responses[code] || {};
      return [code, r.description || "", Object.keys(r.content || {}).join(", ")];
    })));
    var ok = (op.responses || {})["200"];
    var okSchema = ok && ok.content ? (ok.content[Object.keys(ok.content)[0]] || {}).schema : null;
    if (okSchema && (okSchema.properties || okSchema.$ref)) {
      add(box, el("h4", null, "200 body"));
      add(box, schemaBlock(spec, okSchema));
    }
    add(box, el("h4", null, "Example"));
    add(box, add(el("pre", "example"), el("code", null, example(op, method, path))));
    return outer;
  }

  function render(spec, root) {
    root.textContent = "";
    var info = spec.info || {};
    var head = el("section", "info");
    add(head, el("p", "version", (info.title || "API") + " · version " + (info.version || "?") + " · OpenAPI " + (spec.openapi || "")));
    if (info.description) { add(head, el("p", "description", info.description)); }
    var search = el("input", "filter");
    search.type = "search";
    search.placeholder = "Filter operations (path, summary, tag)";
    search.setAttribute("aria-label", "Filter operations");
    add(head, search);
    add(root, head);

    var groups = {};
    var order = [];
    Object.keys(spec.paths || {}).sort().forEach(function (path) {
      var item = spec.paths[path] || {};
      METHODS.forEach(function (m) {
        if (!item[m]) { return; }
        var tag = (item[m].tags && item[m].tags[0]) || "other";
        if (!groups[tag]) { groups[tag] = []; order.push(tag); }
        groups[tag].push({ path: path, method: m, op: item[m] });
      });
    });
    order.sort();
    var count = 0;
    var nav = el("nav", "toc");
    add(nav, el("span", "toc-label", "Sections: "));
    order.forEach(function (tag) {
      var a = el("a", null, tag);
      a.href = "#tag-" + tag;
      add(nav, a);
    });
    add(root, nav);
    order.forEach(function (tag) {
      var section = el("section", "tag");
      section.id = "tag-" + tag;
      add(section, el("h2", null, tag));
      groups[tag].forEach(function (o) {
        var node = operation(spec, o.path, o.method, o.op);
        node.dataset.search = (o.path + " " + o.method + " " + (o.op.summary || "") + " " + tag).toLowerCase();
        add(section, node);
        count += 1;
      });
      add(root, section);
    });
    var status = el("p", "count", count + " operations");
    status.setAttribute("role", "status");
    add(root, status);
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      var shown = 0;
      root.querySelectorAll("details.op").forEach(function (node) {
        var hit = !needle || node.dataset.search.indexOf(needle) >= 0;
        node.hidden = !hit;
        if (hit) { shown += 1; }
      });
      root.querySelectorAll("section.tag").forEach(function (sec) {
        sec.hidden = !sec.querySelector("details.op:not([hidden])");
      });
      status.textContent = shown + " of " + count + " operations";
    });
    if (window.location.hash) {
      var target = document.getElementById(window.location.hash.slice(1));
      if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
    }
  }

  function start() {
    var root = document.getElementById("ops");
    if (!root) { return; }
    fetch(SPEC_URL, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (spec) { render(spec, root); })
      .catch(function (err) {
        root.textContent = "";
        add(root, el("p", "error", "Could not load the API spec (" + err.message + "). It is at " + SPEC_URL + "."));
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
