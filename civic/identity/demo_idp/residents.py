"""The demo identity provider's people: fictional residents with fiscal codes whose check character is right
(made with python-codicefiscale from invented names and dates; any resemblance to real persons is chance)."""
from __future__ import annotations

from dataclasses import dataclass

from codicefiscale import codicefiscale


@dataclass(frozen=True)
class Resident:
    key: str
    name: str
    family_name: str
    gender: str
    born: str  # dd/mm/yyyy
    birthplace: str
    email: str | None

    @property
    def fiscal_code(self) -> str:
        return codicefiscale.encode(lastname=self.family_name, firstname=self.name, gender=self.gender,
                                    birthdate=self.born, birthplace=self.birthplace)

    @property
    def date_of_birth(self) -> str:
        day, month, year = self.born.split("/")
        return f"{year}-{month}-{day}"

    def attributes(self) -> dict[str, str]:
        """SPID's attributes for this person (CIE's are a subset)."""
        found = {"spidCode": f"DEMO{self.key.upper()}", "name": self.name, "familyName": self.family_name,
                 "fiscalNumber": "TINIT-" + self.fiscal_code, "dateOfBirth": self.date_of_birth}
        if self.email:
            found["email"] = self.email
        return found


RESIDENTS = (
    Resident("giulia", "Giulia", "Demolini", "F", "14/02/1985", "Novi Ligure", "giulia.demolini@example.org"),
    Resident("marco", "Marco", "Fittizi", "M", "03/09/1972", "Genova", "marco.fittizi@example.org"),
    Resident("anna", "Anna", "Provetta", "F", "21/06/1958", "Novi Ligure", None),
)
BY_KEY = {resident.key: resident for resident in RESIDENTS}
