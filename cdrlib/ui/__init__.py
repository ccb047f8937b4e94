"""The Streamlit side of cdrlib: the only package of cdrlib that imports streamlit.

- `navigation`: the page registry and set-up shared by ``app.py`` and the pages;
- `frame`: the shared frame every page draws with one call (sidebar, filters, demo data);
- `data`: cached reads of the store, collected once;
- `kpi`, `charts`, `fmt`: how the numbers are shown.
"""
