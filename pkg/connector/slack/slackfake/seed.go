package slackfake

// Seeded workspace, app and conversations.
const (
	TeamID     = "T0ACME"
	TeamName   = "Acme Corp"
	TeamDomain = "acme"
	AppID      = "A0MCPGATE"
	BotID      = "B0MCPGATE"
	BotUserID  = "U0BOT"
	BotName    = "mcpgate"

	GeneralID  = "C01GENERAL"  // #general: member, with a thread
	RandomID   = "C02RANDOM"   // #random: member
	PlansID    = "C03PLANS"    // #secret-plans: private, member
	ArchivedID = "C04OLDNEWS"  // #old-news: archived
	AnnounceID = "C05ANNOUNCE" // #announcements: public, the bot is not a member
	HiddenID   = "C06HIDDEN"   // #hidden: private, the bot is not a member (invisible)

	// ThreadTS is the #general message with two replies.
	ThreadTS = "1714561200.000200"
)

func (s *Server) seed() {
	s.users = []*fakeUser{
		{id: "USLACKBOT", name: "slackbot", realName: "Slackbot", display: "Slackbot", tz: "America/Los_Angeles"},
		{id: BotUserID, name: BotName, realName: "mcpgate", display: "", bot: true, tz: "America/Los_Angeles"},
		{id: "U01ALICE", name: "alice", realName: "Alice Liddell", display: "alice", email: "alice@example.com", title: "Head of Curiosity", tz: "Europe/London", owner: true},
		{id: "U02BOB", name: "bob", realName: "Bob Builder", display: "bobb", email: "bob@example.com", title: "Engineer", tz: "America/New_York"},
		{id: "U03CAROL", name: "carol", realName: "Carol Danvers", display: "carol", email: "carol@example.com", title: "Pilot", tz: "America/Denver", deleted: true},
	}
	s.channels = []*fakeChannel{
		{id: GeneralID, name: "general", topic: "Company-wide announcements", purpose: "Everyone", member: true, created: 1700000000, members: 4,
			messages: []*fakeMessage{
				{ts: "1714557600.000100", user: "U01ALICE", text: "Welcome to #general!"},
				{ts: ThreadTS, user: "U02BOB", text: "Deploy is done :rocket:\nRelease notes are in the wiki.", replies: []*fakeMessage{
					{ts: "1714561260.000300", user: "U01ALICE", text: "Great work!", threadTS: ThreadTS},
					{ts: "1714561320.000400", user: "U02BOB", text: "Thanks <@U01ALICE>!", threadTS: ThreadTS},
				}},
				{ts: "1714564800.000500", user: "U01ALICE", text: "Lunch at noon?"},
			}},
		{id: RandomID, name: "random", purpose: "Non-work banter", member: true, created: 1700000100, members: 3,
			messages: []*fakeMessage{{ts: "1714568400.000600", user: "U02BOB", text: "Has anyone seen my hard hat?"}}},
		{id: PlansID, name: "secret-plans", purpose: "Shh", private: true, member: true, created: 1700000200, members: 2,
			messages: []*fakeMessage{{ts: "1714572000.000700", user: "U01ALICE", text: "The surprise party is on Friday."}}},
		{id: ArchivedID, name: "old-news", archived: true, member: true, created: 1600000000, members: 2,
			messages: []*fakeMessage{{ts: "1600000500.000100", user: "U01ALICE", text: "This channel is retired."}}},
		{id: AnnounceID, name: "announcements", topic: "Read-only news", created: 1700000300, members: 3,
			messages: []*fakeMessage{{ts: "1714575600.000800", user: "U01ALICE", text: "Quarterly results are out."}}},
		{id: HiddenID, name: "hidden", private: true, created: 1700000400, members: 1,
			messages: []*fakeMessage{{ts: "1714579200.000900", user: "U01ALICE", text: "Nobody else can read this."}}},
	}
	s.lastTS = 1714579200000900
}
