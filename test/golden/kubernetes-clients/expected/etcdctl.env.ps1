# Talk to cluster kube with etcdctl: . .\etcdctl.env.ps1; etcdctl member list -w table
$env:ETCDCTL_API = '3'
$env:ETCDCTL_ENDPOINTS = 'https://10.30.0.11:12379,https://10.30.0.12:12379,https://[fd00:30::13]:12379'
$env:ETCDCTL_CACERT = '/srv/pki/golden/ca.crt'
$env:ETCDCTL_CERT = '/srv/pki/golden/clients/admin.crt'
$env:ETCDCTL_KEY = '/srv/pki/golden/clients/admin.key'
