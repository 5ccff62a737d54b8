/// The style sheet inlined into `report.html`: system fonts only, no external resources,
/// readable from a phone to a wide screen, printable.
enum HTMLStyle {
    static let css = """
        :root{color-scheme:light;--accepted:#1f883d;--waitlisted:#d4a72c;--rejected:#8c959f;--invalid:#8250df;\
        --flow:#0969da;--drop:#e9a8ad;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#eef1f4;--track:#eaeef2;\
        --page:#f6f8fa;--card:#fff}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;background:var(--page);color:var(--ink);\
        font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
        main{max-width:1080px;margin:0 auto;padding:32px 20px 56px}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
        code{font-size:.88em}
        h1{font-size:1.8rem;line-height:1.2;margin:0 0 6px}
        h2{font-size:1.35rem;line-height:1.25;margin:2px 0 4px}
        h3{font-size:1.05rem;margin:30px 0 2px}
        .eyebrow{margin:0 0 4px;color:var(--muted);font-size:.8rem;font-weight:600;letter-spacing:.07em;text-transform:uppercase}
        .meta,.hint{margin:0;color:var(--muted);font-size:.9rem}
        .hint{margin-bottom:12px}
        .nav{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:12px;margin:22px 0 0}
        .nav a{display:block;padding:12px 14px;background:var(--card);border:1px solid var(--line);border-left:4px solid var(--accepted);\
        border-radius:10px;color:inherit;text-decoration:none}
        .nav a:hover,.nav a:focus{border-color:var(--flow)}
        .nav .t{display:block;font-weight:600;line-height:1.3}
        .nav .n{display:block;color:var(--muted);font-size:.88rem;margin-top:4px;font-variant-numeric:tabular-nums}
        .program{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:24px;margin:28px 0 0}
        .program-id{margin:0;color:var(--muted);font-size:.85rem}
        .figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;margin:18px 0 16px}
        .figure{border:1px solid var(--line);border-top:4px solid var(--line);border-radius:10px;padding:10px 14px 12px}
        .figure.accepted{border-top-color:var(--accepted)}
        .figure.amount,.figure.cap{border-top-color:var(--flow)}
        .figure .label{display:block;color:var(--muted);font-size:.85rem}
        .figure .value{display:block;font-size:1.6rem;font-weight:700;line-height:1.25;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
        .figure.accepted .value{color:#116329}
        .figure .note{display:block;color:var(--muted);font-size:.85rem;margin-top:2px;font-variant-numeric:tabular-nums}
        .meter{display:block;height:10px;background:var(--track);border-radius:5px;overflow:hidden;margin:7px 0 3px}
        .meter span{display:block;height:100%;background:var(--flow)}
        .meter.full span{background:var(--accepted)}
        .stack{display:flex;height:14px;background:var(--track);border-radius:4px;overflow:hidden}
        .stack span{display:block;height:100%}
        .split .stack{height:24px;border-radius:6px}
        .accepted-bg{background:var(--accepted)}
        .waitlisted-bg{background:var(--waitlisted)}
        .rejected-bg{background:var(--rejected)}
        .invalid-bg{background:var(--invalid)}
        .legend{display:flex;flex-wrap:wrap;gap:4px 20px;margin:8px 0 0;padding:0;list-style:none;font-size:.9rem}
        .legend li{display:flex;align-items:center;gap:6px}
        .legend b{font-variant-numeric:tabular-nums}
        .legend small{color:var(--muted);font-size:.85em}
        .dot{display:inline-block;width:11px;height:11px;border-radius:3px;flex:none}
        .funnel{list-style:none;margin:0;padding:0}
        .step{display:grid;grid-template-columns:minmax(0,16rem) minmax(0,1fr) 7.5rem;gap:4px 14px;align-items:center;\
        padding:7px 0;border-top:1px solid var(--soft)}
        .step:first-child{border-top:0}
        .step-label{line-height:1.3;font-size:.92rem}
        .step-label code{display:block;color:var(--muted);font-size:.78rem}
        .track{display:flex;height:20px;background:#f3f5f7;border-radius:4px;overflow:hidden}
        .funnel-bar{display:block;height:100%;background:var(--flow)}
        .drop{display:block;height:100%;background:repeating-linear-gradient(135deg,var(--drop) 0 4px,#f7d9dc 4px 8px)}
        .step-num{text-align:right;font-variant-numeric:tabular-nums;font-size:.92rem;line-height:1.25;white-space:nowrap}
        .step-num small{color:var(--muted);font-size:.8rem}
        .minus{display:block;color:#b3261e;font-size:.82rem}
        .minus.none{color:var(--muted)}
        .table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
        table{border-collapse:collapse;width:100%;font-size:.9rem}
        th,td{padding:6px 8px;border-bottom:1px solid var(--soft);text-align:left;vertical-align:middle}
        th{color:var(--muted);font-weight:600;font-size:.8rem;border-bottom-color:var(--line);white-space:nowrap}
        th .dot{margin-right:5px;vertical-align:-1px}
        .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.bar{width:32%;min-width:110px}
        td.rule code{display:block;color:var(--muted);font-size:.78rem}
        tfoot td{font-weight:600;border-bottom:0}
        .pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
        .pill.accepted{background:#dafbe1;color:#116329}
        .pill.waitlisted{background:#fff8c5;color:#7d4e00}
        .pill.rejected{background:#eaeef2;color:#424a53}
        .pill.invalid{background:#fbefff;color:#6639ba}
        .kec td .dot{display:none}
        .narrow{display:none}
        .empty{color:var(--muted);font-style:italic}
        footer{margin:32px 0 0;color:var(--muted);font-size:.85rem}
        details{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px;margin:0 0 14px}
        summary{cursor:pointer;font-weight:600;color:var(--ink)}
        pre{overflow-x:auto;font-size:.8rem;line-height:1.45;margin:10px 0 0;white-space:pre;color:var(--ink)}
        @media (max-width:640px){
        main{padding:20px 10px 40px}
        h1{font-size:1.45rem}
        .program{padding:16px 14px;border-radius:10px}
        .figure .value{font-size:1.35rem}
        .step{grid-template-columns:minmax(0,1fr) auto}
        .step-label{grid-column:1/-1}
        .narrow{display:flex}
        .share{display:none}
        .kec thead{display:none}
        .kec tr{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:3px 8px;padding:8px 0;border-bottom:1px solid var(--soft)}
        .kec td{border:0;padding:0}
        .kec td.name{grid-row:1;grid-column:1/3;font-weight:600}
        .kec td.amount{grid-row:1;grid-column:3/5}
        .kec td.bar{grid-row:2;grid-column:1/-1;width:auto;min-width:0}
        .kec td.count{text-align:left}
        .kec td .dot{display:inline-block;margin-right:5px;vertical-align:-1px}
        }
        @media print{
        body{background:#fff}
        main{max-width:none;padding:0}
        .program{border:0;padding:0}
        .step,tr{break-inside:avoid}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        }
        """
}
