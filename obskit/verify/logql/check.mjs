// LogQL syntax check with Grafana's own grammar (@grafana/lezer-logql, the parser Grafana's Loki
// query editor uses). Reads a JSON array of query strings on stdin and writes a JSON array of
// results on stdout, one per query, in order:
//   {"ok": true, "kind": "LogExpr" | "MetricExpr" | ...}
//   {"ok": false, "errors": [{"from": 3, "to": 5, "text": "..."}]}
// Lezer recovers from syntax errors by inserting error nodes (type.isError) instead of throwing,
// so a query is valid exactly when its tree has no error node.
import { parser } from "@grafana/lezer-logql";

function check(query) {
  const tree = parser.parse(query);
  const errors = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push({ from: node.from, to: node.to, text: query.slice(Math.max(0, node.from - 10), node.to + 10) });
      }
    },
  });
  if (errors.length) return { ok: false, errors };
  const top = tree.topNode.firstChild;           // LogQL > Expr > LogExpr | MetricExpr
  const kind = top && top.firstChild ? top.firstChild.type.name : top ? top.type.name : "";
  return { ok: true, kind };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const queries = JSON.parse(input);
  process.stdout.write(JSON.stringify(queries.map(check)));
});
