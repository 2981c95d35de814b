"""Pages of the main window; each is listed in ``app.ui.navigation.PAGES``."""
