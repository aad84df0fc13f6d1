"""Common French first and last names, combined at random into fictional people."""

# fmt: off
FEMALE_FIRST_NAMES = (
    "Adèle", "Agathe", "Aïcha", "Alexandra", "Alice", "Amandine", "Amélie", "Anaïs", "Angélique",
    "Anne", "Audrey", "Aurélie", "Béatrice", "Camille", "Carole", "Caroline", "Cécile", "Céline",
    "Charlotte", "Chloé", "Christine", "Claire", "Coralie", "Corinne", "Delphine", "Elodie",
    "Émilie", "Emma", "Estelle", "Fatima", "Fatou", "Florence", "Gaëlle", "Hélène", "Inès",
    "Isabelle", "Jade", "Jessica", "Julie", "Justine", "Karima", "Laetitia", "Laura", "Laurence",
    "Léa", "Leïla", "Lina", "Lucie", "Manon", "Margaux", "Marie", "Marina", "Marine", "Mathilde",
    "Mélanie", "Mélissa", "Myriam", "Nadia", "Nathalie", "Océane", "Pauline", "Rachida", "Sabrina",
    "Samia", "Sandrine", "Sarah", "Séverine", "Sonia", "Sophie", "Stéphanie", "Sylvie", "Valérie",
    "Vanessa", "Virginie", "Yasmine", "Zoé",
)

MALE_FIRST_NAMES = (
    "Abdel", "Adrien", "Ahmed", "Alain", "Alexandre", "Ali", "Amine", "Antoine", "Arnaud", "Arthur",
    "Baptiste", "Benjamin", "Bilal", "Bruno", "Cédric", "Christophe", "Clément", "Cyril", "Damien",
    "David", "Denis", "Didier", "Dylan", "Éric", "Fabien", "Florian", "Franck", "François",
    "Frédéric", "Grégory", "Guillaume", "Hakim", "Hugo", "Ibrahim", "Jérémy", "Jérôme", "Jonathan",
    "Jordan", "Julien", "Karim", "Kévin", "Laurent", "Loïc", "Louis", "Lucas", "Ludovic", "Mamadou",
    "Marc", "Mathieu", "Maxime", "Mehdi", "Michel", "Mickaël", "Mohamed", "Moussa", "Nabil",
    "Nicolas", "Olivier", "Pascal", "Patrick", "Philippe", "Pierre", "Quentin", "Rachid", "Raphaël",
    "Romain", "Samir", "Samuel", "Sébastien", "Stéphane", "Sylvain", "Théo", "Thierry", "Thomas",
    "Vincent", "Yacine", "Yannick", "Yassine", "Youssef",
)

LAST_NAMES = (
    "Adam", "André", "Antoine", "Arnaud", "Aubert", "Aubry", "Bailly", "Barbier", "Baron", "Barré",
    "Barthélemy", "Bénard", "Benoît", "Berger", "Bernard", "Bertin", "Bertrand", "Besson", "Blanc",
    "Blanchard", "Bonnet", "Boucher", "Bouchet", "Boulanger", "Bourgeois", "Bouvier", "Boyer",
    "Breton", "Brun", "Brunet", "Caron", "Carpentier", "Carré", "Chardon", "Charles", "Charpentier",
    "Chauvin", "Chevalier", "Chevallier", "Clément", "Colin", "Collet", "Collin", "Cordier",
    "Cousin", "Da Silva", "Daniel", "David", "Delaunay", "Denis", "Deschamps", "Diallo",
    "Dos Santos", "Dubois", "Dufour", "Dumas", "Dumont", "Dupont", "Dupuis", "Dupuy", "Durand",
    "Duval", "Étienne", "Fabre", "Faure", "Fernandez", "Ferreira", "Fleury", "Fontaine", "Fournier",
    "François", "Gaillard", "Garcia", "Garnier", "Gauthier", "Gautier", "Gay", "Gérard", "Germain",
    "Gilbert", "Gillet", "Girard", "Giraud", "Grondin", "Guérin", "Guichard", "Guillaume",
    "Guillot", "Guyot", "Haddad", "Hamon", "Henry", "Hervé", "Hoarau", "Hubert", "Huet", "Humbert",
    "Jacob", "Jacquet", "Jean", "Joly", "Julien", "Klein", "Lacroix", "Lambert", "Lamy", "Langlois",
    "Laporte", "Laurent", "Le Gall", "Le Goff", "Le Roux", "Lebrun", "Leblanc", "Leclerc",
    "Leclercq", "Lecomte", "Lefebvre", "Lefèvre", "Léger", "Legrand", "Lejeune", "Lemaire",
    "Lemaître", "Lemoine", "Leroux", "Leroy", "Lévêque", "Lopez", "Louis", "Lucas", "Maillard",
    "Mallet", "Marchal", "Marchand", "Maréchal", "Marie", "Martin", "Martinez", "Marty", "Masson",
    "Mathieu", "Ménard", "Mercier", "Meunier", "Meyer", "Michaud", "Michel", "Millet", "Monnier",
    "Moreau", "Morel", "Morin", "Moulin", "Muller", "Nguyen", "Nicolas", "Noël", "Olivier", "Paris",
    "Pasquier", "Payet", "Pelletier", "Pereira", "Perez", "Perrier", "Perrin", "Perrot", "Petit",
    "Philippe", "Picard", "Pichon", "Pierre", "Poirier", "Poulain", "Prévost", "Renard", "Renaud",
    "Renault", "Rey", "Reynaud", "Richard", "Rivière", "Robert", "Robin", "Roche", "Rodrigues",
    "Rodriguez", "Roger", "Rolland", "Roussel", "Rousseau", "Roux", "Roy", "Royer", "Sanchez",
    "Schmitt", "Schneider", "Simon", "Tessier", "Thomas", "Traoré", "Vasseur", "Vidal", "Vincent",
    "Weber",
)
# fmt: on
