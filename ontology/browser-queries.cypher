// Ready queries for exploring policing-kb in Neo4j Browser.
//
// Set the parameters first with the :param lines shown above each query (ids are the
// KB's entity ids: force/<police.uk id>, body/<key>, person/<key>; find them with
//   MATCH (n:Entity) WHERE toLower(n.name) CONTAINS 'kent' RETURN n.id, n.type, n.name LIMIT 20
// ), then paste the query. Every entity node is labelled Entity plus its class (an
// officer is :Entity:Person:Officer); MENTIONED_IN edges lead to the sources, carrying
// the quote, method and confidence of each mention.

// 1. A force's officers and their cases
// :param force => 'force/metropolitan'
MATCH (f:PoliceForce {id: $force})<-[:SERVES_IN]-(o:Officer)
OPTIONAL MATCH (o)<-[:AGAINST|INVOLVES]-(c:Entity)
RETURN o.name AS officer, o.rankNormalised AS rank, collect(DISTINCT c.type + ': ' + c.name) AS cases
ORDER BY size(cases) DESC, officer;

// 2. Everything an oversight body investigated
// :param body => 'body/iopc'
MATCH (b:OversightBody {id: $body})<-[r:INVESTIGATED_BY|REFERRED_TO]-(c:Entity)
OPTIONAL MATCH (c)-[:RESULTED_IN]->(o:Outcome)
RETURN c.type AS kind, c.name AS case, type(r) AS how, c.date AS date, collect(o.category) AS outcomes
ORDER BY date DESC, case;

// 3. The path between two people
// :param from => 'person/first-person'
// :param to => 'person/second-person'
MATCH (a:Person {id: $from}), (b:Person {id: $to})
MATCH p = shortestPath((a)-[*..6]-(b))
RETURN [n IN nodes(p) | n.name] AS via, [r IN relationships(p) | type(r)] AS relations, p;

// 4. Outcomes by category per force
// Each outcome reaches its officer (or force) through the case chain; an outcome overturned by a
// later one (REVERSES: an appeal allowed, a conviction quashed) is left out, unless that reversal
// was itself reversed.
MATCH (o:Outcome)<-[:RESULTED_IN]-(:Investigation)-[:CONCERNS]->(:Allegation)-[:AGAINST]->(x:Entity)
WHERE (x:Officer OR x:PoliceForce)
  AND NOT EXISTS {
    MATCH (r:Outcome)-[:REVERSES]->(o)
    WHERE NOT EXISTS { (:Outcome)-[:REVERSES]->(r) }
  }
OPTIONAL MATCH (x)-[:SERVES_IN]->(home:PoliceForce)
WITH o, CASE WHEN x:PoliceForce THEN x ELSE home END AS f
WHERE f IS NOT NULL
RETURN f.name AS force, o.category AS category, count(DISTINCT o) AS outcomes
ORDER BY force, outcomes DESC, category;

// 5. The sources behind one relationship
// :param from => 'person/first-person'
// :param to => 'force/metropolitan'
MATCH (a:Entity {id: $from})-[r]->(b:Entity {id: $to})
WHERE type(r) <> 'MENTIONED_IN'
MATCH (s:Source) WHERE s.id IN r.sources
RETURN type(r) AS relation, s.name AS source, s.url AS url, s.published AS published, r.quotes AS quotes;

// 6. Officers sharing a case
MATCH (o1:Officer)<-[:AGAINST|INVOLVES]-(c:Entity)-[:AGAINST|INVOLVES]->(o2:Officer)
WHERE o1.id < o2.id
RETURN o1.name AS officer, o2.name AS other_officer, c.type AS kind, c.name AS case
ORDER BY officer, other_officer;
