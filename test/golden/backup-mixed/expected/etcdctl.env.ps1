# Talk to cluster vault with etcdctl: . .\etcdctl.env.ps1; etcdctl member list -w table
$env:ETCDCTL_API = '3'
$env:ETCDCTL_ENDPOINTS = 'https://192.168.9.21:2379,https://192.168.9.11:2379,https://192.168.9.22:2379'
$env:ETCDCTL_CACERT = '/srv/pki/golden/ca.crt'
$env:ETCDCTL_CERT = '/srv/pki/golden/clients/admin.crt'
$env:ETCDCTL_KEY = '/srv/pki/golden/clients/admin.key'
