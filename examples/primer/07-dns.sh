# The primer's DNS section in the lab: a DNS server for mycompany.com in namespace dns, a client
# namespace blue whose /etc/resolv.conf has `nameserver` and `search mycompany.com`.
#
# What happens:
#  * `ping web` in blue: not in blue's /etc/hosts, so the stub resolver appends the search domain
#    and asks 10.0.0.53 for web.mycompany.com → 10.0.0.80: pings reach namespace web.
#  * hosts before DNS (nsswitch "hosts: files dns"): after `db` is added to blue's /etc/hosts as
#    10.0.0.99, `ping db` uses that address although the server says 10.0.0.81.
#  * nslookup asks the server directly and never reads /etc/hosts: it answers db → 10.0.0.81.
ip netns add dns
ip netns add blue
ip netns add web
ip link add v-net-0 type bridge
ip link set v-net-0 up
ip link add veth-dns type veth peer name veth-dns-br
ip link add veth-blue type veth peer name veth-blue-br
ip link add veth-web type veth peer name veth-web-br
ip link set veth-dns netns dns
ip link set veth-blue netns blue
ip link set veth-web netns web
ip link set veth-dns-br master v-net-0
ip link set veth-blue-br master v-net-0
ip link set veth-web-br master v-net-0
ip link set veth-dns-br up
ip link set veth-blue-br up
ip link set veth-web-br up
ip -n dns addr add 10.0.0.53/24 dev veth-dns
ip -n blue addr add 10.0.0.2/24 dev veth-blue
ip -n web addr add 10.0.0.80/24 dev veth-web
ip -n dns link set veth-dns up
ip -n blue link set veth-blue up
ip -n web link set veth-web up
ip netns exec dns cat > /etc/zones/mycompany.com <<'EOF'
$TTL 300
@    IN SOA ns1 admin 1 3600 600 86400 300
     IN NS  ns1
ns1  IN A   10.0.0.53
web  IN A   10.0.0.80
db   IN A   10.0.0.81
EOF
ip netns exec dns wirestack-dns --zone /etc/zones/mycompany.com --listen 10.0.0.53:53
cat > /etc/netns/blue/resolv.conf <<EOF
nameserver 10.0.0.53
search mycompany.com
EOF
ip netns exec blue ping -c 2 web
ip netns exec blue ping -c 1 web.mycompany.com
ip netns exec blue echo "10.0.0.99 db" >> /etc/hosts
ip netns exec blue ping -c 1 db || true
ip netns exec blue nslookup db
ip netns exec blue dig +short web.mycompany.com
