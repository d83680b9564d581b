"""Small shared widgets and the look (colours, fonts, padding, table style)."""
