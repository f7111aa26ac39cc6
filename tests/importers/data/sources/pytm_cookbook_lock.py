"""A smart-lock service drawn the way the OWASP Threat Model Cookbook's pytm models are drawn
(markup and blank names, string data). Written for fleetrisk's tests; run with pytm 1.4.0:

    python pytm_cookbook_lock.py --json ../pytm_cookbook_lock.json
"""

from pytm import TM, Actor, Boundary, Classification, Data, Dataflow, Datastore, ExternalEntity, Server

tm = TM("Cookbook-style smart lock")
tm.description = "Locks that report to the cloud and take commands; an app to open them."

home = Boundary("Home")
cloud = Boundary("Cloud<br/>VPC")

owner = Actor("Owner")
app = Server("Mobile App")
app.inBoundary = home
lock = ExternalEntity("Smart<br/>Lock")
lock.inBoundary = home

api = Server("Cloud API")
api.inBoundary = cloud
gateway = Server("API Gateway")
gateway.inBoundary = cloud
events = Datastore("Lock events DB")
events.inBoundary = cloud

reading = Data("Lock events", classification=Classification.RESTRICTED)
command = Data("Unlock command", classification=Classification.SENSITIVE)

Dataflow(owner, app, "Launch")
Dataflow(app, gateway, "HTTPS")
Dataflow(gateway, api, " ")
report = Dataflow(lock, api, "report state")
report.data = [reading]
order = Dataflow(api, lock, "Send command")
order.data = [command]
store = Dataflow(api, events, " ")
store.data = [reading]

tm.process()
