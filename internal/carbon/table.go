package carbon

// OWID is the source of the country figures.
const OWID = "Our World in Data, Carbon intensity of electricity generation (Ember; Energy Institute), CC BY 4.0"

// owidYear is the year of the country figures.
const owidYear = 2023

// countryRows are the life-cycle carbon intensities of electricity
// generation, g CO2e per kWh, rounded to whole grams, from OWID's country
// series for 2023. Check the current series at
// ourworldindata.org/grapher/carbon-intensity-electricity when accuracy
// matters, and pass --carbon-intensity for a grid the table lacks.
//
// Checked against OWID's table view of the series (2023 column) on
// 2026-11-27: World, Australia, Austria, Belgium, Brazil, Canada, Chile,
// China, Czechia, Denmark, Finland, France, Germany, India, Ireland, Norway,
// Poland, Sweden. The other rows are from the same series but were not
// re-checked then.
var countryRows = []struct {
	code, alpha3, name string
	g                  float64
}{
	{"WORLD", "OWID_WRL", "World", 481},
	{"US", "USA", "United States", 369},
	{"CA", "CAN", "Canada", 170},
	{"MX", "MEX", "Mexico", 402},
	{"BR", "BRA", "Brazil", 98},
	{"CL", "CHL", "Chile", 291},
	{"GB", "GBR", "United Kingdom", 238},
	{"IE", "IRL", "Ireland", 291},
	{"FR", "FRA", "France", 56},
	{"DE", "DEU", "Germany", 381},
	{"NL", "NLD", "Netherlands", 268},
	{"BE", "BEL", "Belgium", 138},
	{"CH", "CHE", "Switzerland", 35},
	{"AT", "AUT", "Austria", 111},
	{"IT", "ITA", "Italy", 331},
	{"ES", "ESP", "Spain", 174},
	{"PT", "PRT", "Portugal", 165},
	{"PL", "POL", "Poland", 662},
	{"CZ", "CZE", "Czechia", 450},
	{"DK", "DNK", "Denmark", 152},
	{"SE", "SWE", "Sweden", 41},
	{"NO", "NOR", "Norway", 30},
	{"FI", "FIN", "Finland", 79},
	{"IS", "ISL", "Iceland", 28},
	{"RU", "RUS", "Russia", 441},
	{"IN", "IND", "India", 713},
	{"CN", "CHN", "China", 582},
	{"JP", "JPN", "Japan", 485},
	{"KR", "KOR", "South Korea", 430},
	{"TW", "TWN", "Taiwan", 642},
	{"SG", "SGP", "Singapore", 470},
	{"ID", "IDN", "Indonesia", 675},
	{"AU", "AUS", "Australia", 549},
	{"NZ", "NZL", "New Zealand", 112},
	{"ZA", "ZAF", "South Africa", 708},
	{"SA", "SAU", "Saudi Arabia", 696},
}

// regionRows map common cloud regions to the country their data centres
// are in; the country figure is used (a provider's local grid or its
// energy contracts may differ: pass --carbon-intensity for those).
var regionRows = []struct{ code, name, country string }{
	{"aws:us-east-1", "AWS US East (N. Virginia)", "US"},
	{"aws:us-east-2", "AWS US East (Ohio)", "US"},
	{"aws:us-west-1", "AWS US West (N. California)", "US"},
	{"aws:us-west-2", "AWS US West (Oregon)", "US"},
	{"aws:ca-central-1", "AWS Canada (Central)", "CA"},
	{"aws:sa-east-1", "AWS South America (São Paulo)", "BR"},
	{"aws:eu-west-1", "AWS Europe (Ireland)", "IE"},
	{"aws:eu-west-2", "AWS Europe (London)", "GB"},
	{"aws:eu-west-3", "AWS Europe (Paris)", "FR"},
	{"aws:eu-central-1", "AWS Europe (Frankfurt)", "DE"},
	{"aws:eu-north-1", "AWS Europe (Stockholm)", "SE"},
	{"aws:eu-south-1", "AWS Europe (Milan)", "IT"},
	{"aws:ap-south-1", "AWS Asia Pacific (Mumbai)", "IN"},
	{"aws:ap-northeast-1", "AWS Asia Pacific (Tokyo)", "JP"},
	{"aws:ap-northeast-2", "AWS Asia Pacific (Seoul)", "KR"},
	{"aws:ap-southeast-1", "AWS Asia Pacific (Singapore)", "SG"},
	{"aws:ap-southeast-2", "AWS Asia Pacific (Sydney)", "AU"},
	{"gcp:us-central1", "Google Cloud Iowa", "US"},
	{"gcp:us-east1", "Google Cloud South Carolina", "US"},
	{"gcp:us-east4", "Google Cloud N. Virginia", "US"},
	{"gcp:us-west1", "Google Cloud Oregon", "US"},
	{"gcp:northamerica-northeast1", "Google Cloud Montréal", "CA"},
	{"gcp:southamerica-east1", "Google Cloud São Paulo", "BR"},
	{"gcp:europe-west1", "Google Cloud Belgium", "BE"},
	{"gcp:europe-west2", "Google Cloud London", "GB"},
	{"gcp:europe-west3", "Google Cloud Frankfurt", "DE"},
	{"gcp:europe-west4", "Google Cloud Netherlands", "NL"},
	{"gcp:europe-west9", "Google Cloud Paris", "FR"},
	{"gcp:europe-north1", "Google Cloud Finland", "FI"},
	{"gcp:asia-south1", "Google Cloud Mumbai", "IN"},
	{"gcp:asia-east1", "Google Cloud Taiwan", "TW"},
	{"gcp:asia-northeast1", "Google Cloud Tokyo", "JP"},
	{"gcp:asia-southeast1", "Google Cloud Singapore", "SG"},
	{"gcp:australia-southeast1", "Google Cloud Sydney", "AU"},
	{"azure:eastus", "Azure East US (Virginia)", "US"},
	{"azure:eastus2", "Azure East US 2 (Virginia)", "US"},
	{"azure:centralus", "Azure Central US (Iowa)", "US"},
	{"azure:westus2", "Azure West US 2 (Washington)", "US"},
	{"azure:canadacentral", "Azure Canada Central (Toronto)", "CA"},
	{"azure:brazilsouth", "Azure Brazil South (São Paulo)", "BR"},
	{"azure:northeurope", "Azure North Europe (Ireland)", "IE"},
	{"azure:westeurope", "Azure West Europe (Netherlands)", "NL"},
	{"azure:uksouth", "Azure UK South (London)", "GB"},
	{"azure:francecentral", "Azure France Central (Paris)", "FR"},
	{"azure:germanywestcentral", "Azure Germany West Central (Frankfurt)", "DE"},
	{"azure:swedencentral", "Azure Sweden Central", "SE"},
	{"azure:norwayeast", "Azure Norway East (Oslo)", "NO"},
	{"azure:switzerlandnorth", "Azure Switzerland North (Zürich)", "CH"},
	{"azure:centralindia", "Azure Central India (Pune)", "IN"},
	{"azure:japaneast", "Azure Japan East (Tokyo)", "JP"},
	{"azure:koreacentral", "Azure Korea Central (Seoul)", "KR"},
	{"azure:southeastasia", "Azure Southeast Asia (Singapore)", "SG"},
	{"azure:australiaeast", "Azure Australia East (New South Wales)", "AU"},
}

var (
	countries = map[string]Intensity{}
	alpha3    = map[string]string{}
	regions   = map[string]Intensity{}
)

func init() {
	for _, r := range countryRows {
		countries[r.code] = Intensity{Code: r.code, Name: r.name, GramsPerKWh: r.g, Source: OWID, Year: owidYear}
		alpha3[r.alpha3] = r.code
	}
	for _, r := range regionRows {
		c := countries[r.country]
		regions[r.code] = Intensity{
			Code:        r.code,
			Name:        r.name,
			GramsPerKWh: c.GramsPerKWh,
			Source:      OWID + "; figure of " + c.Name,
			Year:        c.Year,
			Country:     r.country,
		}
	}
}
