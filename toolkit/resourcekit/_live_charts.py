"""Live altair charts in JupyterLab that share one offline copy of vega per page.

altair's ``jupyter`` renderer in offline mode draws each chart with a
:class:`altair.JupyterChart`, an anywidget whose ES module is vega, vega-lite and vega-embed
bundled by vl-convert: about 0.9 MB of JavaScript. anywidget loads each widget's module from
its own state (a ``blob:`` URL per model, anywidget 0.9), so every chart, and every redraw of a
chart in a lesson's ``Output`` widget when a slider moves, sends that bundle over the kernel's
websocket and makes the browser parse and compile it again. A lesson with four charts and three
sliders loads it a dozen times.

Here the bundle travels once per kernel, in the state of one holder widget (:class:`VegaBundle`,
never displayed), and each chart (:class:`SharedBundleChart`) carries a module of about 1 kB
that imports the holder's bundle once per page and hands the chart to altair's own ``render``.
The loaded module is kept on ``globalThis`` under a key holding the altair and vl-convert
versions, so notebooks of the same page reuse it and a kernel with other versions gets its
own. Everything else (the spec, params, selections, embed options) is altair's JupyterChart.

The bundle is made by ``JupyterChart.enable_offline`` (vl-convert) and kept in a file cache,
see :func:`offline_bundle`.
"""

from __future__ import annotations

import functools
import importlib.metadata as md
from typing import Any

__all__ = ["RENDERER", "offline_bundle", "chart_widget", "spec_widget", "enable"]

#: The name under which :func:`enable` registers the renderer with altair.
RENDERER = "resourcekit_live"

# The charts' module: fetch the holder's bundle once per page (per version key), then let
# altair's render draw the chart. A failed load is forgotten, so the next chart tries again.
_LOADER_ESM = r"""
async function altairModule(model) {
  const key = model.get("_rk_key");
  const cache = (globalThis.__resourcekitAltair ??= {});
  if (!cache[key]) {
    cache[key] = (async () => {
      const holder = await model.widget_manager.get_model(model.get("_rk_bundle_id"));
      const url = URL.createObjectURL(
        new Blob([holder.get("bundle")], { type: "text/javascript" }));
      try {
        return await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
      } finally {
        URL.revokeObjectURL(url);
      }
    })();
    cache[key].catch(() => { delete cache[key]; });
  }
  return cache[key];
}

export default {
  async render({ model, el }) {
    const mod = await altairModule(model);
    return (mod.default ?? mod).render({ model, el });
  },
};
"""

_CLASSES: dict[str, Any] = {}


def _versions() -> str:
    return f"altair-{md.version('altair')}-vlc-{md.version('vl-convert-python')}"


def offline_bundle() -> str:
    """altair's offline JupyterChart module (vega bundled by vl-convert), from a file cache.

    ``JupyterChart.enable_offline`` bundles vega with vl-convert in every new kernel (2-5 s
    on two cores). The bundle depends only on the altair and vl-convert versions, so it is
    kept in the package's cache folder (:func:`resourcekit._cache.cache_dir`) under a name
    holding both.
    """
    import altair as alt

    from resourcekit._cache import cached_text

    def build() -> str:
        alt.JupyterChart.enable_offline(True)
        return alt.JupyterChart._esm

    return cached_text(f"jupyterchart-offline-{_versions()}.js", build)


def _classes() -> tuple[Any, Any]:
    """The holder and chart widget classes, made on first use (altair and anywidget imported
    only in a live kernel, so ``import resourcekit`` stays fast)."""
    if not _CLASSES:
        import altair as alt
        import anywidget
        import traitlets

        class VegaBundle(anywidget.AnyWidget):
            """Holds the offline bundle in its state; never displayed."""

            _esm = "export default {};"
            bundle = traitlets.Unicode("").tag(sync=True)

        class SharedBundleChart(alt.JupyterChart):
            """A JupyterChart whose module loads vega from a :class:`VegaBundle` once per page."""

            _esm = _LOADER_ESM
            _rk_key = traitlets.Unicode(_versions()).tag(sync=True)
            _rk_bundle_id = traitlets.Unicode("").tag(sync=True)

        _CLASSES.update(VegaBundle=VegaBundle, SharedBundleChart=SharedBundleChart)
    return _CLASSES["VegaBundle"], _CLASSES["SharedBundleChart"]


def _holder() -> Any:
    """This kernel's one :class:`VegaBundle` (kept alive here, so pages reloaded later find it)."""
    if "holder" not in _CLASSES:
        bundle_class, _ = _classes()
        _CLASSES["holder"] = bundle_class(bundle=offline_bundle())
    return _CLASSES["holder"]


def chart_widget(chart: Any, embed_options: dict | None = None) -> Any:
    """A live chart widget for ``chart`` that shares this kernel's vega bundle.

    >>> import altair as alt, pandas as pd
    >>> w = chart_widget(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x"))
    >>> w._rk_bundle_id == _holder().model_id, len(w._esm) < 2_000
    (True, True)
    """
    _, chart_class = _classes()
    return chart_class(chart=chart, embed_options=embed_options,
                       _rk_bundle_id=_holder().model_id)


def spec_widget(spec: dict, embed_options: dict | None = None) -> Any:
    """A live chart widget drawing the Vega-Lite ``spec`` as it is (no validation).

    The renderer draws with this. altair's own ``jupyter`` renderer rebuilds a Chart from the
    spec (``Chart.from_dict``) and converts it back (``to_dict``), validating it against the
    Vega-Lite schema twice more, every inlined data row included: 8.0 of the 8.1 s that lesson
    06's ROC chart (3,246 points) took to render, although the chart's own ``to_dict`` had
    validated the spec already. What that round trip buys, the widget's Python-side ``params``
    and ``selections``, nobody can read, because a renderer's widget is not returned; the
    chart's params and selections still work in the browser (vega's own signals). For a
    widget whose params Python reads, use :func:`chart_widget`.

    >>> w = spec_widget({"mark": "point", "data": {"values": [{"x": 1}]}})
    >>> w.spec["mark"], w._rk_bundle_id == _holder().model_id
    ('point', True)
    """
    _, chart_class = _classes()
    widget = chart_class(chart=None, embed_options=embed_options,
                         _rk_bundle_id=_holder().model_id)
    widget.spec = spec  # after: JupyterChart sets spec to None when its chart is None
    return widget


def _render(spec: dict, **metadata: Any) -> Any:
    """altair renderer: the spec drawn by a :func:`spec_widget`, its words in the course's
    language when the kernel runs in a translated course folder (``make lab LANG=ja``)."""
    words = _course_words()
    if words:
        from ._chart_i18n import translate_spec

        spec = translate_spec(spec, lambda text: words.get(text, text))
    return spec_widget(spec, metadata.get("embed_options"))._repr_mimebundle_()


@functools.cache
def _course_words() -> dict[str, str] | None:
    """The chart words of the course folder this kernel runs in, read once per kernel."""
    from ._notebook_i18n import course_words

    return course_words()


def enable() -> str:
    """Register and enable the shared-bundle renderer; return its name."""
    import altair as alt

    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    return alt.renderers.active
