# The official Python SDK (PyPI cloudtower-sdk 2.23.0) doing what bench/python-sdk/flow.mjs does:
# log in with a password, then get_vms of the whole listing. Prints "<vms> <peak RSS in KiB>".
import resource
import sys

from cloudtower import ApiClient, Configuration
from cloudtower.api.user_api import UserApi
from cloudtower.api.vm_api import VmApi

endpoint, username, password = sys.argv[1:4]
client = ApiClient(Configuration(host=endpoint + "/v2/api"))
login = UserApi(client).login({"username": username, "password": password, "source": "LOCAL"})
client.set_default_header("Authorization", login.data.token)
vms = VmApi(client).get_vms({})
print(len(vms), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
