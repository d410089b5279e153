// Package modeltest holds the tests of what the models make of Alertmanager's
// deliveries (episodes closed, rules and teams, runbooks), with figures worked out by
// hand. It has no code of its own. The tests sit apart from package alertmanager
// because they build the models through analytics, which imports config, which imports
// the receiver: as external tests of package alertmanager they would be an import cycle
// for the fuzzer, which builds that package together with them.
package modeltest
