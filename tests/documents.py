"""Real files made in the tests: text PDFs (reportlab STSong-Light), scanned PDFs (text drawn
with a Debian CJK font by PIL, the images wrapped in a PDF), OFD packages and saved web pages."""

from __future__ import annotations

import zipfile
from pathlib import Path

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font() -> str | None:
    return next((f for f in CJK_FONTS if Path(f).exists()), None)


def make_text_pdf(path: Path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            pdf.drawString(50, 800 - 20 * i, line)
        pdf.showPage()
    pdf.save()


def scan_image(paragraphs: list[str], size: int = 30):
    """One A4 page at 150 dpi with the paragraphs printed as a 公文 is: "^" centres a line (a
    title, a 文号, a signature), other paragraphs open indented by two characters and wrap at the
    right margin. Grey paper, the print slightly blurred, as a scanner delivers it."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font_file = cjk_font()
    assert font_file, "fonts-noto-cjk is needed to print test scans (apt-get install fonts-noto-cjk)"
    font = ImageFont.truetype(font_file, size)
    width, height, margin = 1240, 1754, 110
    per_line = (width - 2 * margin) // size
    image = Image.new("L", (width, height), 246)
    draw = ImageDraw.Draw(image)
    y = 140
    for paragraph in paragraphs:
        if paragraph.startswith("^"):
            text = paragraph[1:]
            draw.text(((width - draw.textlength(text, font=font)) // 2, y), text, font=font, fill=20)
            y += int(size * 1.9)
            continue
        text, first = paragraph, True
        while text:
            room = per_line - 2 if first else per_line
            line, text = _fit(text, room, draw, font, (per_line - (2 if first else 0)) * size)
            draw.text((margin + (2 * size if first else 0), y), line, font=font, fill=20)
            y += int(size * 1.9)
            first = False
    return image.filter(ImageFilter.GaussianBlur(0.6))


def _fit(text: str, room: int, draw, font, pixels: int) -> tuple[str, str]:
    """As many characters as fit the line (digits are narrower than 汉字)."""
    n = room
    while n < len(text) and draw.textlength(text[: n + 1], font=font) <= pixels:
        n += 1
    while n > 1 and draw.textlength(text[:n], font=font) > pixels:
        n -= 1
    return text[:n], text[n:]


def make_scanned_pdf(path: Path, pages: list[list[str]]) -> None:
    images = [scan_image(lines).convert("RGB") for lines in pages]
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])


def make_mixed_pdf(path: Path, text_page: list[str], scanned_page: list[str], tmp: Path) -> None:
    """Page 1 has a text layer, page 2 is a scan: a signed last page scanned back in."""
    from pypdf import PdfReader, PdfWriter

    make_text_pdf(tmp / "text.pdf", [text_page])
    make_scanned_pdf(tmp / "scan.pdf", [scanned_page])
    writer = PdfWriter()
    for part in (tmp / "text.pdf", tmp / "scan.pdf"):
        for page in PdfReader(part).pages:
            writer.add_page(page)
    with open(path, "wb") as handle:
        writer.write(handle)


_OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(path: Path, pages: list[list[str]], title: str = "") -> None:
    """A GB/T 33190 package: OFD.xml → Document.xml → one Content.xml per page of TextObjects."""
    ns = f'xmlns:ofd="{_OFD_NS}"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody>'
            f'<ofd:DocInfo><ofd:DocID>0123456789abcdef</ofd:DocID><ofd:Title>{title}</ofd:Title></ofd:DocInfo>'
            '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'))
        page_refs = "".join(
            f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>'
            '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
            '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
            f'<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>'))
        z.writestr("Doc_0/PublicRes.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res"><ofd:Fonts>'
            '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'))
        for i, lines in enumerate(pages):
            objects = "".join(
                f'<ofd:TextObject ID="{100 + 50 * i + j}" Boundary="20 {20 + 8 * j} 180 8" Font="2" Size="4.2">'
                f'<ofd:TextCode X="0" Y="5">{_xml(line)}</ofd:TextCode></ofd:TextObject>'
                for j, line in enumerate(lines)
            )
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content>'
                f'<ofd:Layer ID="{50 + i}">{objects}</ofd:Layer></ofd:Content></ofd:Page>'))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_policy_page(path: Path, title: str, paragraphs: list[str], encoding: str = "utf-8") -> None:
    """A policy as a government site serves it: header, menu, breadcrumbs, share links, related
    articles and a footer around the article."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"""<!DOCTYPE html><html><head><meta charset="{encoding}"><title>{title}_通知公告_嘉兴市人民政府网站</title></head>
<body>
<div class="header"><img src="logo.png" alt="嘉兴市人民政府"><span>嘉兴市人民政府门户网站</span>
<div class="search"><input placeholder="请输入关键字"><button>搜索</button></div></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/bsfw">办事服务</a></li>
<li><a href="/hdjl">互动交流</a></li><li><a href="/zjjx">走进嘉兴</a></li></ul>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布日期：2024-03-01　来源：市经信局　浏览次数：1024　字号：[大 中 小]</div>
<div class="content">
{body}
</div>
<div class="share">分享到：微信 微博 QQ空间　【打印本页】【关闭窗口】</div>
</div>
<div class="related"><h3>相关阅读</h3><ul><li><a href="/a1">市领导调研春耕备耕工作</a></li>
<li><a href="/a2">我市召开安全生产专题会议部署节前检查</a></li></ul></div>
<div class="footer">主办单位：嘉兴市人民政府办公室　承办：嘉兴市大数据发展管理局<br>
浙ICP备12345678号　浙公网安备 33040202000001号　网站标识码：3304000001<br>
联系我们 | 网站地图 | 隐私声明</div>
</body></html>"""
    path.write_bytes(html.encode(encoding))
