/** The built-in UI's one stylesheet, served at `<ui>/static/style.css`. Neutral, responsive, accessible. */
export const STYLE_CSS = `:root{--fg:#1b1f24;--muted:#4a5361;--bg:#f5f6f8;--card:#fff;--line:#c9ced6;--accent:#1f4fd1;--accent-fg:#fff;--err:#b00020;--ok:#1d6b35;--focus:#ffbf47}
*{box-sizing:border-box}
html{font-size:100%}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px var(--fg)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem}
.skip:focus{left:.5rem}
.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;padding:.75rem 1rem;background:var(--card);border-bottom:1px solid var(--line)}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:600;color:var(--fg);text-decoration:none}
.brand img{height:2rem;width:auto}
.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
main{max-width:34rem;margin:1.5rem auto;padding:1.25rem;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
main.wide{max-width:56rem}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.field{margin:0 0 1rem}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
input:not([type=checkbox]):not([type=hidden]){width:100%;padding:.6rem .7rem;font:inherit;color:inherit;background:#fff;border:1px solid #767f8c;border-radius:.35rem}
input[aria-invalid=true]{border-color:var(--err);border-width:2px}
.field-checkbox{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.field-checkbox label{display:inline;font-weight:400;margin:0}
.field-checkbox input{width:1.2rem;height:1.2rem}
.button,button{display:inline-block;min-height:2.75rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;color:var(--accent-fg);background:var(--accent);border:1px solid var(--accent);border-radius:.35rem;cursor:pointer;text-decoration:none}
.button.secondary,button.secondary{color:var(--accent);background:transparent}
button[disabled]{opacity:.6;cursor:not-allowed}
.field-button button{width:100%}
.msg{margin:.35rem 0 0;font-size:.95rem}
.msg-error{color:var(--err);font-weight:600}
.msg-success{color:var(--ok)}
.msg-info{color:var(--muted)}
.messages{margin:0 0 1rem;padding:.5rem .75rem;border-left:4px solid var(--line);background:var(--bg)}
.messages .msg{margin:.25rem 0}
.divider{border:0;border-top:1px solid var(--line);margin:1.25rem 0}
.links{margin:1.25rem 0 0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem}
dl.props{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.props dt{font-weight:600}
dl.props dd{margin:0;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse;font-size:.95rem}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);padding:1rem;border-radius:.35rem;font-size:.9rem}
code{font-size:.95em}
ul.secrets{columns:2;font-family:monospace}
.node-img img{max-width:100%;height:auto}
.muted{color:var(--muted)}
.inline{display:inline}
@media (max-width:36rem){main{margin:0;border-radius:0;border-left:0;border-right:0}dl.props{grid-template-columns:1fr}thead{display:none}td{display:block;border:0;padding:.25rem 0}tr{display:block;border-bottom:1px solid var(--line);padding:.5rem 0}}
@media (prefers-reduced-motion:reduce){*{transition:none!important}}
`;
