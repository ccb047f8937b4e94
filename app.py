"""The CDR dashboard: ``streamlit run app.py``.

Only sets the pages up and routes to them. Every page draws the shared frame itself
(`cdrlib.ui.frame.page`), because Streamlit may run a page without this script (see
`cdrlib.ui.navigation`).
"""

from cdrlib.ui import navigation

navigation.navigation().run()
