"""Pure-Python core of xconn: no Tk import anywhere in this package."""
