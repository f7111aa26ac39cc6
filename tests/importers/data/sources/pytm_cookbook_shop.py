"""A web shop drawn the way the OWASP Threat Model Cookbook's pytm models are drawn: blank and
markup names, data given as plain strings (pytm stores each as a data item named 'undefined'),
a blank boundary name. Written for fleetrisk's tests; run with pytm 1.4.0:

    python pytm_cookbook_shop.py --json ../pytm_cookbook_shop.json
"""

from pytm import LLM, TM, Actor, Boundary, Classification, Data, Dataflow, Datastore, Process, Server, SetOfProcesses

tm = TM("Cookbook-style web shop")
tm.description = "A shop with a browser front end, a payment provider and a support bot; no devices."

internet = Boundary("Internet")
shop_cloud = Boundary("Shop<br/>Cloud")
unnamed = Boundary(" ")

customer = Actor("Customer")
admin = Actor(" admin ")
admin.isAdmin = True

browser = Server("Customer<br/>Browser")
browser.inBoundary = internet

web = Server("Web<br/>Server")
web.inBoundary = shop_cloud
orders = Datastore("Customer Database")
orders.inBoundary = shop_cloud
orders.storesPII = True
cdn = SetOfProcesses("CDN network")
cdn.inBoundary = unnamed
bot = LLM("Support Chatbot")
bot.isThirdParty = True
worker = Process("?")
worker.inBoundary = shop_cloud

card = Data("Card details", classification=Classification.SECRET)
order = Data("Order", classification=Classification.SENSITIVE, processedBy=[web, orders])
catalogue = Data("Catalogue", classification=Classification.PUBLIC, processedBy=[web, cdn])
session = Data("Session token", isCredentials=True)

Dataflow(customer, browser, "Uses")
to_web = Dataflow(browser, web, "HTTPS")
to_web.data = [card, session]
to_db = Dataflow(web, orders, " ")
to_db.data = [order]
admin_db = Dataflow(admin, orders, "unsecure<br/>mysql<br/>connection")
admin_db.data = "admin password"
to_cdn = Dataflow(web, cdn, "Push to Bucket")
to_cdn.data = [catalogue]
Dataflow(browser, cdn, "HTTP")
chat = Dataflow(browser, bot, " ")
chat.data = "chat messages"
Dataflow(worker, orders, " ")

tm.process()
