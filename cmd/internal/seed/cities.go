package seed

// City is a real city the catalogue clusters vendors around: its centre, its
// IANA time zone, the currency its vendors ask deposits in, and a weight
// (roughly its share of restaurants and hotels).
type City struct {
	Name     string
	Country  string
	Lat, Lng float64
	Timezone string
	Currency string
	Weight   float64
	Street   string // a common street-name pattern, %s = the street
	Lang     string // name style: it, fr, de, es, en, ja, pt, nl, sv, pl, tr, ko, zh
}

// Cities are the 50 cities of the catalogue.
var Cities = []City{
	{"London", "GB", 51.5074, -0.1278, "Europe/London", "GBP", 9, "%s Street", "en"},
	{"Paris", "FR", 48.8566, 2.3522, "Europe/Paris", "EUR", 8, "Rue %s", "fr"},
	{"Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin", "EUR", 5, "%sstraße", "de"},
	{"Madrid", "ES", 40.4168, -3.7038, "Europe/Madrid", "EUR", 5, "Calle de %s", "es"},
	{"Rome", "IT", 41.9028, 12.4964, "Europe/Rome", "EUR", 5, "Via %s", "it"},
	{"Milan", "IT", 45.4642, 9.1900, "Europe/Rome", "EUR", 3, "Via %s", "it"},
	{"Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid", "EUR", 4, "Carrer de %s", "es"},
	{"Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam", "EUR", 3, "%sstraat", "nl"},
	{"Vienna", "AT", 48.2082, 16.3738, "Europe/Vienna", "EUR", 3, "%sgasse", "de"},
	{"Munich", "DE", 48.1351, 11.5820, "Europe/Berlin", "EUR", 3, "%sstraße", "de"},
	{"Hamburg", "DE", 53.5511, 9.9937, "Europe/Berlin", "EUR", 2, "%sstraße", "de"},
	{"Zurich", "CH", 47.3769, 8.5417, "Europe/Zurich", "CHF", 2, "%sstrasse", "de"},
	{"Brussels", "BE", 50.8503, 4.3517, "Europe/Brussels", "EUR", 2, "Rue %s", "fr"},
	{"Lisbon", "PT", 38.7223, -9.1393, "Europe/Lisbon", "EUR", 3, "Rua %s", "pt"},
	{"Dublin", "IE", 53.3498, -6.2603, "Europe/Dublin", "EUR", 2, "%s Street", "en"},
	{"Copenhagen", "DK", 55.6761, 12.5683, "Europe/Copenhagen", "DKK", 2, "%sgade", "sv"},
	{"Stockholm", "SE", 59.3293, 18.0686, "Europe/Stockholm", "SEK", 2, "%sgatan", "sv"},
	{"Oslo", "NO", 59.9139, 10.7522, "Europe/Oslo", "NOK", 1, "%sgata", "sv"},
	{"Warsaw", "PL", 52.2297, 21.0122, "Europe/Warsaw", "PLN", 2, "ulica %s", "pl"},
	{"Prague", "CZ", 50.0755, 14.4378, "Europe/Prague", "CZK", 2, "%s", "de"},
	{"Budapest", "HU", 47.4979, 19.0402, "Europe/Budapest", "HUF", 2, "%s utca", "de"},
	{"Athens", "GR", 37.9838, 23.7275, "Europe/Athens", "EUR", 2, "Odos %s", "en"},
	{"Istanbul", "TR", 41.0082, 28.9784, "Europe/Istanbul", "TRY", 5, "%s Caddesi", "tr"},
	{"New York", "US", 40.7128, -74.0060, "America/New_York", "USD", 9, "%s Street", "en"},
	{"Los Angeles", "US", 34.0522, -118.2437, "America/Los_Angeles", "USD", 5, "%s Avenue", "en"},
	{"Chicago", "US", 41.8781, -87.6298, "America/Chicago", "USD", 4, "%s Street", "en"},
	{"San Francisco", "US", 37.7749, -122.4194, "America/Los_Angeles", "USD", 3, "%s Street", "en"},
	{"Miami", "US", 25.7617, -80.1918, "America/New_York", "USD", 2, "%s Avenue", "en"},
	{"Boston", "US", 42.3601, -71.0589, "America/New_York", "USD", 2, "%s Street", "en"},
	{"Seattle", "US", 47.6062, -122.3321, "America/Los_Angeles", "USD", 2, "%s Avenue", "en"},
	{"Toronto", "CA", 43.6532, -79.3832, "America/Toronto", "CAD", 3, "%s Street", "en"},
	{"Montreal", "CA", 45.5019, -73.5674, "America/Toronto", "CAD", 2, "Rue %s", "fr"},
	{"Mexico City", "MX", 19.4326, -99.1332, "America/Mexico_City", "MXN", 5, "Calle %s", "es"},
	{"São Paulo", "BR", -23.5505, -46.6333, "America/Sao_Paulo", "BRL", 5, "Rua %s", "pt"},
	{"Buenos Aires", "AR", -34.6037, -58.3816, "America/Argentina/Buenos_Aires", "ARS", 3, "Calle %s", "es"},
	{"Tokyo", "JP", 35.6762, 139.6503, "Asia/Tokyo", "JPY", 9, "%s-dori", "ja"},
	{"Osaka", "JP", 34.6937, 135.5023, "Asia/Tokyo", "JPY", 4, "%s-dori", "ja"},
	{"Seoul", "KR", 37.5665, 126.9780, "Asia/Seoul", "KRW", 5, "%s-ro", "ko"},
	{"Shanghai", "CN", 31.2304, 121.4737, "Asia/Shanghai", "CNY", 5, "%s Road", "zh"},
	{"Hong Kong", "HK", 22.3193, 114.1694, "Asia/Hong_Kong", "HKD", 3, "%s Road", "zh"},
	{"Singapore", "SG", 1.3521, 103.8198, "Asia/Singapore", "SGD", 3, "%s Road", "en"},
	{"Bangkok", "TH", 13.7563, 100.5018, "Asia/Bangkok", "THB", 4, "Soi %s", "en"},
	{"Mumbai", "IN", 19.0760, 72.8777, "Asia/Kolkata", "INR", 4, "%s Marg", "en"},
	{"Delhi", "IN", 28.7041, 77.1025, "Asia/Kolkata", "INR", 3, "%s Marg", "en"},
	{"Dubai", "AE", 25.2048, 55.2708, "Asia/Dubai", "AED", 3, "%s Street", "en"},
	{"Sydney", "AU", -33.8688, 151.2093, "Australia/Sydney", "AUD", 3, "%s Street", "en"},
	{"Melbourne", "AU", -37.8136, 144.9631, "Australia/Melbourne", "AUD", 3, "%s Street", "en"},
	{"Auckland", "NZ", -36.8485, 174.7633, "Pacific/Auckland", "NZD", 1, "%s Street", "en"},
	{"Cape Town", "ZA", -33.9249, 18.4241, "Africa/Johannesburg", "ZAR", 1, "%s Street", "en"},
	{"Cairo", "EG", 30.0444, 31.2357, "Africa/Cairo", "EGP", 2, "%s Street", "en"},
}

// Cuisines are the tags of restaurants.
var Cuisines = []string{
	"italian", "french", "japanese", "chinese", "indian", "thai", "mexican", "spanish",
	"greek", "turkish", "lebanese", "korean", "vietnamese", "american", "british", "german",
	"seafood", "steakhouse", "vegetarian", "vegan", "pizza", "sushi", "ramen", "tapas",
	"burgers", "bbq", "brunch", "fine dining", "bistro", "gluten-free", "mediterranean", "peruvian",
}

// Facilities are the tags of hotels.
var Facilities = []string{
	"wifi", "breakfast", "parking", "pool", "spa", "gym", "restaurant", "bar",
	"pet friendly", "airport shuttle", "family rooms", "accessible", "air conditioning",
	"sea view", "business centre", "rooftop", "24-hour desk", "ev charging",
}
