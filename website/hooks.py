"""MkDocs hooks of the workshop site (website/mkdocs.yml): what the plugins do not do, or do not do right.

mkdocs-jupyter renders each notebook with nbconvert's lab template. Its pages would load scripts from
CDNs (MathJax, a mermaid module, the widget manager), carry ~600 kB of inline CSS each, and leave the
notebooks' ```mermaid blocks to that CDN mermaid: mkdocs-jupyter renders markdown cells with nbconvert's
own Markdown renderer, so pymdownx.superfences never sees them. On each notebook page these hooks

- hand the diagrams to Material (<pre class="mermaid">, as superfences makes on the home page), which
  draws them with the mermaid website/build.py vendored, and drop nbconvert's mermaid script and MathJax
  (the notebooks have no formulas; one would show as its TeX source);
- replace a widget (06's dashboard) by a note: without a running kernel it could do nothing;
- move the notebook CSS into one shared file (assets/notebook.css), and keep the copy buttons' second
  copy of each cell out of the search index;
- give the template (overrides/main.html) the notebook's time and download name.

With mkdocs-static-i18n (the Vietnamese edition) they also put the notebooks back as pages after it
replaced the files, make the language switch lead to the same page by a relative link, and keep one 404
page. After each page the build fails if anything would still be loaded from outside the site.
nbconvert's blocks are matched exactly, and a block not found fails the build: a new nbconvert (its
version comes with JupyterLab's, from the locks) cannot slip a CDN script through.
"""

from __future__ import annotations

import html
import json
import os
import re

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs_jupyter.plugin import NotebookFile
from nbconvert.exporters.templateexporter import TemplateExporter


class _CompiledTemplates(jinja2.BytecodeCache):
    """nbconvert's compiled templates, kept for the whole build.

    mkdocs-jupyter makes a new nbconvert exporter for each notebook, and each one compiles the same
    templates again: about 0.4 s a notebook, most of the build. Jinja keys what it keeps by template
    and source checksum, so a changed template is compiled anew.
    """

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def on_startup(command, dirty):
    """Every nbconvert exporter of this build with one cache of compiled templates (a quarter of the build)."""
    cache = _CompiledTemplates()
    create = TemplateExporter._create_environment

    def create_environment(exporter):
        environment = create(exporter)
        environment.bytecode_cache = cache
        return environment

    if not getattr(TemplateExporter._create_environment, "workshop_cached", False):
        create_environment.workshop_cached = True
        TemplateExporter._create_environment = create_environment


# Blocks of nbconvert's lab template (nbconvert 7.x) and of mkdocs-jupyter's version of it.
MERMAID_BLOCK = re.compile(r'<div class="jp-Mermaid"><pre class="mermaid">\n(.*?)\n</pre></div>', re.S)
MERMAID_FENCE = re.compile(r"^```mermaid[^\n]*\n(.*?)^```", re.S | re.M)
MERMAID_SCRIPT = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*'
    r'const diagrams = document\.querySelectorAll\("\.jp-Mermaid > pre\.mermaid"\);.*?'
    r"<!-- End of mermaid configuration -->", re.S)
MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
WIDGETS_LOADER = re.compile(r"<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.S)
WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>', re.S)
WIDGET_VIEW = re.compile(
    r'<div [^>]*class="jupyter-widgets jp-OutputArea-output[^"]*"[^>]*>\s*<script type="text/javascript">.*?</script>\s*'
    r'<script type="application/vnd\.jupyter\.widget-view\+json">.*?</script>\s*</div>', re.S)
# nbconvert's and mkdocs-jupyter's stylesheets (JupyterLab's theme, Pygments), ~600 kB inlined in every
# notebook page; and mkdocs-jupyter's copy of the Pygments one as a Python list, which is no CSS at all.
NOTEBOOK_START = '<div class="jupyter-wrapper">'
STYLE_BLOCK = re.compile(r'<style type="text/css">\n(.*?)</style>', re.S)
STYLE_LIST = re.compile(r"<style>\s*\['.*?'\]\s*</style>", re.S)
NOT_SEARCHED = re.compile(r'class="(?:clipboard-copy-txt|zeroclipboard-container|anchor-link)"')
WIDGET_NOTE = {
    "en": "An interactive widget: it works in JupyterLab, with the notebook running.",
    "vi": "Một widget tương tác: nó hoạt động trong JupyterLab, khi notebook đang chạy.",
}
SWITCH_LINK = re.compile(r'<a href="[^"]*" hreflang="([\w-]+)" class="md-select__link">')
ALTERNATE_LINK = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')
# src= or href= to another host (or protocol-relative), in the page as a browser gets it.
EXTERNAL_LOAD = re.compile(r"""<(?:script|link|img|iframe|source|audio|video)\b[^>]*?\s(?:src|href)=["']?(?:[a-z]+:)?//""", re.I)


def _is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def _mermaid_sources(path: str) -> list[str]:
    """The ```mermaid blocks of a notebook's markdown cells, in order."""
    with open(path, encoding="utf-8") as source:
        cells = json.load(source)["cells"]
    markdown = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    return MERMAID_FENCE.findall(markdown)


def _mermaid(content: str, page) -> str:
    """Each diagram as Material's <pre class="mermaid">, with its source taken from the notebook.

    Not from nbconvert's HTML: there a label's <br/> is markup and an arrow's > an entity, so its text is
    not the diagram's source. Material reads the source back with textContent: escaped once, it gets
    exactly what the notebook has.
    """
    sources = _mermaid_sources(page.file.abs_src_path)
    blocks = MERMAID_BLOCK.findall(content)
    if len(blocks) != len(sources):
        raise PluginError(f"{page.file.src_uri}: {len(sources)} mermaid blocks in the notebook, {len(blocks)} in its page")
    diagrams = iter(sources)
    return MERMAID_BLOCK.sub(lambda _: f'<pre class="mermaid"><code>{html.escape(next(diagrams))}</code></pre>', content)


@event_priority(-200)  # after mkdocs-static-i18n's on_files (-100), which makes new File objects
def on_files(files, config):
    """The notebooks as pages again, where mkdocs-static-i18n put them.

    mkdocs-static-i18n replaces every file by one of its own (docs/en/notebooks/x.ipynb is the English
    edition's notebooks/x.ipynb), which drops mkdocs-jupyter's wrapping of the notebooks as pages: wrap
    them again, at the place it chose (the page notebooks/x/ of that edition).
    """
    jupyter = config["plugins"]["mkdocs-jupyter"]
    wrapped = []
    for file in files:
        if file.src_uri.endswith(".ipynb") and jupyter.should_include(file) and not isinstance(file, NotebookFile):
            # mkdocs-jupyter ran first (notebooks/x/index.html), or did not (notebooks/x.ipynb)
            base = file.dest_uri.removesuffix("/index.html").removesuffix(".ipynb")
            notebook = NotebookFile(file, **config)
            notebook.dest_path = f"{base}/index.html"
            notebook.abs_dest_path = os.path.normpath(os.path.join(config["site_dir"], notebook.dest_path))
            notebook.url = f"{base}/"
            file = notebook
        wrapped.append(file)
    return Files(wrapped)


def on_page_content(content: str, page, config, files) -> str:
    if not _is_notebook(page):
        return content
    content, found = MATHJAX.subn("", content)
    if found != 1:
        raise PluginError(f"{page.file.src_uri}: nbconvert's MathJax block not found once ({found}): see website/hooks.py")
    content, found = MERMAID_SCRIPT.subn("", content)
    if found != 1:
        raise PluginError(f"{page.file.src_uri}: nbconvert's mermaid script not found once ({found}): see website/hooks.py")
    content = _mermaid(content, page)
    note = html.escape(WIDGET_NOTE.get(config["theme"]["language"], WIDGET_NOTE["en"]))
    content = WIDGET_VIEW.sub(f'<div class="jp-OutputArea-output workshop-widget-note"><p>{note}</p></div>', content)
    content = WIDGETS_LOADER.sub("", content)
    content = WIDGET_STATE.sub("", content)
    if "application/vnd.jupyter.widget" in content:  # a widget left: dead, and with a random id (uuid4)
        raise PluginError(f"{page.file.src_uri}: a widget output not replaced: see website/hooks.py")
    # Out of the search index: each code cell's second copy (the copy button's source), its "Copied!"
    # notice and the headings' ¶ links; a search result shows the cell once, as the page does.
    content = NOT_SEARCHED.sub(r"\g<0> data-search-exclude", content)
    return _shared_stylesheet(content, page)


_NOTEBOOK_CSS: list[str] = []  # the stylesheet every notebook page had inline, once


def _shared_stylesheet(content: str, page) -> str:
    """The notebook stylesheets out of the page, into one file all notebook pages link (assets/notebook.css)."""
    # The template's stylesheets come before the notebook itself; those in it are outputs' own (pandas).
    head, wrapper, notebook = content.partition(NOTEBOOK_START)
    css = "\n".join(STYLE_BLOCK.findall(head))
    if not css or not wrapper:
        raise PluginError(f"{page.file.src_uri}: no nbconvert stylesheet found: see website/hooks.py")
    if not _NOTEBOOK_CSS:
        _NOTEBOOK_CSS.append(css)
    elif css != _NOTEBOOK_CSS[0]:
        raise PluginError(f"{page.file.src_uri}: its notebook stylesheet differs from the other pages'")
    return STYLE_BLOCK.sub("", head) + wrapper + STYLE_LIST.sub("", notebook)


def on_page_context(context, page, config, nav):
    if _is_notebook(page):
        name = page.file.src_uri.rsplit("/", 1)[-1]
        stem = name.removesuffix(".ipynb")
        minutes = config["extra"].get("workshop_minutes", {}).get(stem)
        # include_source copies the notebook next to its page: notebooks/NN_x/NN_x.ipynb.
        page.meta["notebook"] = {"download": name, "minutes": minutes}
    return context


def on_post_build(config):
    # mkdocs-static-i18n builds the default language first, into the site's root, where the assets of
    # every language are; a later language's build (site_dir vi/, no assets/ of its own) checked above
    # that its pages had the same stylesheet.
    assets = os.path.join(config["site_dir"], "assets")
    if _NOTEBOOK_CSS and os.path.isdir(assets):
        with open(os.path.join(assets, "notebook.css"), "w", encoding="utf-8") as out:
            out.write(_NOTEBOOK_CSS[0])


def _languages(config) -> tuple[str, str] | None:
    """(default language, this build's language), or None without mkdocs-static-i18n."""
    i18n = config["plugins"].get("i18n")
    if i18n is None:
        return None
    default = next(language.locale for language in i18n.config.languages if language.default)
    return default, config["theme"]["language"] or default


def on_post_template(output: str, template_name: str, config) -> str:
    """One 404 page, in the default language: each language's build would write it, the last one winning."""
    languages = _languages(config)
    if template_name != "404.html" or languages is None:
        return output
    default, current = languages
    if current != default:
        return ""  # MkDocs writes no file for an empty template
    # The 404 page is served at any depth, so its links are absolute (MkDocs' own are): the languages' roots.
    output = ALTERNATE_LINK.sub("", output)  # see on_post_page
    return SWITCH_LINK.sub(lambda match: f'<a href="/{"" if match.group(1) == default else match.group(1) + "/"}" '
                                         f'hreflang="{match.group(1)}" class="md-select__link">', output)


def _language_switch(output: str, page, config) -> str:
    """Each entry of the language switch: the same page in that language, as a relative link.

    mkdocs-static-i18n links a translation's pages back to the root of the default language ("/"),
    absolute: a site published in a subfolder, or opened from disk, would lose its way.
    """
    languages = _languages(config)
    if languages is None:
        return output
    default, current = languages
    path = page.url.removeprefix(f"{current}/") if current != default else page.url
    up = "../" * page.url.count("/")

    def relink(match: re.Match) -> str:
        language = match.group(1)
        target = path if language == default else f"{language}/{path}"
        return f'<a href="{up + target or "./"}" hreflang="{language}" class="md-select__link">'

    return SWITCH_LINK.sub(relink, output)


def on_post_page(output: str, page, config) -> str:
    # Material reads <link rel="alternate"> to fetch each language's sitemap.xml from the link's folder;
    # mkdocs-static-i18n's links point at the same page in the other language, so every page asked for
    # notebooks/x/sitemap.xml (a 404 in the console). The language switch links each page to its
    # translation by itself; the sitemap is not built (no site_url: website/build.py).
    output = ALTERNATE_LINK.sub("", output)
    output = _language_switch(output, page, config)
    found = EXTERNAL_LOAD.search(output)
    if found:
        start = max(found.start() - 100, 0)
        raise PluginError(f"{page.file.src_uri} would load from outside the site: ...{output[start:found.end() + 100]}...")
    return output

