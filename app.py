"""Start the web app: `python app.py` is the same as `policy-assistant serve`."""

from assistant.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *__import__("sys").argv[1:]]))
