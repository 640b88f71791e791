package app

import "convene/hub"

// referralStats' cases of TestOneOperationEveryTransport
// (transports_test.go): under disclosure control (anonymous, with every
// filter's variable), exact (an admin), and a bad variable.
func init() {
	const figures = `exact from to total totalSuppressed byStatus { status count suppressed } byCategory { category count suppressed }
		byCommunity { community { name } count suppressed } byAgeBand { ageBand count suppressed } byMonth { month count suppressed } medianDaysToService`
	for name, op := range map[string]operation{
		"referralStats, anonymously, with every filter": {query: `query($n: [ID!], $c: [ID!], $k: [ServiceCategory!], $p: [ID!], $from: Date, $to: Date) {
			referralStats(filter: {networkIds: $n, communityIds: $c, categories: $k, providerIds: $p, from: $from, to: $to}) { ` + figures + ` } }`,
			vars: `{"n": ["` + gid(hub.TypeReferralNetwork, "net-lake-i") + `"], "c": null, "k": ["LIFE_SKILLS", "MENTORING"], "p": null, "from": "2015-01-15", "to": "2015-06-02"}`},
		"referralStats, as an admin": {query: `query($p: [ID!]) { referralStats(filter: {providerIds: $p}) { ` + figures + ` } }`,
			vars: `{"p": ["` + gid(hub.TypeStakeholder, "yff") + `"]}`, token: testAdminToken},
		"referralStats: a bad date": {query: `query($from: Date) { referralStats(filter: {from: $from}) { total } }`, vars: `{"from": "2015-02-30"}`},
	} {
		variableQueries[name] = op
	}
}
