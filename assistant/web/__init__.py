"""The web page, one module per tab: ``chat`` (政策问答), ``lookup`` (条款查询), ``calculator``
(补贴测算), ``desk`` (文档管理), plus ``api`` (the named endpoints) and ``common`` (rendering
shared by the tabs). ``assistant.serve`` assembles them and starts the server."""
