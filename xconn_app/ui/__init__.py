"""The desktop window (customtkinter). Views call core.service only, off the Tk thread when it blocks."""
